package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The YAML tree is checked against the Go types by reflection before it is
// decoded, so that every problem names its key path in the file's words
// (campaigns[0].deadine: unknown key; did you mean deadline?) instead of
// yaml.v3's messages, which name Go types (field deadine not found in type
// config.Campaign).

// keyChecker collects the problems of one file.
type keyChecker struct {
	problems []Problem
	// covered are the lines that have a problem already.
	covered map[int]bool
	// paths is the first key path at each line, to place yaml.v3's own
	// messages should one not be covered.
	paths   map[int]string
	visited map[visit]bool
}

type visit struct {
	n *yaml.Node
	t reflect.Type
}

// checkKeys checks the document root against type t.
func checkKeys(root *yaml.Node, t reflect.Type) *keyChecker {
	k := &keyChecker{covered: map[int]bool{}, paths: map[int]string{}, visited: map[visit]bool{}}
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return k
		}
		root = root.Content[0]
	}
	k.walk(root, t, "")
	return k
}

func (k *keyChecker) add(path string, line int, format string, args ...any) {
	if path == "" {
		path = "(file)"
	}
	k.covered[line] = true
	k.problems = append(k.problems, Problem{Path: path, Message: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)})
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// walk checks node n, found at path, against type t.
func (k *keyChecker) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	// An anchored node used through several aliases is checked once:
	// this also bounds the work on a file made of nested aliases.
	if k.visited[visit{n, t}] {
		return
	}
	k.visited[visit{n, t}] = true
	if _, ok := k.paths[n.Line]; !ok {
		k.paths[n.Line] = path
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // the zero value, then the default
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType):
		k.leaf(n, t, path)
	case t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		if n.Kind != yaml.MappingNode {
			k.add(path, n.Line, "must be a mapping with keys such as %s, not %s", fieldList(fields), describeNode(n))
			return
		}
		k.mapping(n, t, fields, path)
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		if n.Kind != yaml.SequenceNode {
			k.add(path, n.Line, "must be a list (one \"- item\" per line, or [a, b]), not %s", describeNode(n))
			return
		}
		for i, c := range n.Content {
			k.walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		k.leaf(n, t, path)
	}
}

// mapping checks the keys of mapping n against the struct type t.
func (k *keyChecker) mapping(n *yaml.Node, t reflect.Type, fields []yamlField, path string) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Kind == yaml.ScalarNode && key.ShortTag() == "!!merge" {
			k.merge(val, t, path)
			continue
		}
		kp := key.Value
		if path != "" {
			kp = path + "." + key.Value
		}
		if _, ok := k.paths[key.Line]; !ok {
			k.paths[key.Line] = kp
		}
		if first, dup := seen[key.Value]; dup {
			k.add(kp, key.Line, "given twice (first at line %d); keep one", first)
			continue
		}
		seen[key.Value] = key.Line
		f, ok := fieldByName(fields, key.Value)
		if !ok {
			if s := nearestKey(key.Value, fields); s != "" {
				k.add(kp, key.Line, "unknown key; did you mean %s?", s)
			} else {
				k.add(kp, key.Line, "unknown key (the keys here are %s)", fieldList(fields))
			}
			continue
		}
		k.walk(val, f.t, kp)
	}
}

// merge checks the value of a merge key (<<: *anchor, or a list of them).
func (k *keyChecker) merge(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			k.walk(c, t, path)
		}
		return
	}
	k.walk(n, t, path)
}

// leaf checks a value that is decoded whole, by decoding it.
func (k *keyChecker) leaf(n *yaml.Node, t reflect.Type, path string) {
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && (t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)) {
		// The type's own messages (ByteSize): already in plain words,
		// with the line.
		for _, e := range te.Errors {
			k.covered[n.Line] = true
			k.problems = append(k.problems, Problem{Path: path, Message: e})
		}
		return
	}
	k.add(path, n.Line, "must be %s, not %s", describeType(t), describeNode(n))
}

// leftover returns yaml.v3's messages about lines that have no problem
// yet: nothing the decoder finds wrong goes unreported, even if the check
// above missed it.
func (k *keyChecker) leftover(te *yaml.TypeError) []Problem {
	var ps []Problem
	for _, e := range te.Errors {
		line := 0
		if m := lineRE.FindStringSubmatch(e); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		if line != 0 && k.covered[line] {
			continue
		}
		path, ok := k.paths[line]
		if !ok || path == "" {
			path = "(file)"
		}
		ps = append(ps, Problem{Path: path, Message: e})
	}
	return ps
}

var lineRE = regexp.MustCompile(`^line (\d+):`)

// yamlField is one key of a struct: its name in the file and its type.
type yamlField struct {
	name string
	t    reflect.Type
	// hidden keys exist only to be refused (password): never suggested.
	hidden bool
}

// yamlFields lists the keys of struct type t as yaml.v3 reads them:
// the yaml tag's name or the lower-cased field name, inline structs'
// keys in place, "-" and unexported fields left out.
func yamlFields(t reflect.Type) []yamlField {
	var fs []yamlField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fs = append(fs, yamlFields(ft)...)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs = append(fs, yamlField{name: name, t: f.Type, hidden: f.Tag.Get("config") == "refused"})
	}
	return fs
}

func fieldByName(fs []yamlField, name string) (yamlField, bool) {
	for _, f := range fs {
		if f.name == name {
			return f, true
		}
	}
	return yamlField{}, false
}

func fieldList(fs []yamlField) string {
	var names []string
	for _, f := range fs {
		if !f.hidden {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}

// nearestKey returns the key of fs nearest to key by edit distance
// (ignoring case; a transposition counts as one edit), or "" when none is
// near enough to be what was meant: at most half the key's length.
func nearestKey(key string, fs []yamlField) string {
	best, bestD := "", -1
	lk := strings.ToLower(key)
	for _, f := range fs {
		if f.hidden {
			continue
		}
		if d := editDistance(lk, f.name); bestD < 0 || d < bestD {
			best, bestD = f.name, d
		}
	}
	if bestD < 0 || bestD > max(1, utf8.RuneCountInString(key)/2) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// characters.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// describeType says in plain words what a value of type t is written as.
func describeType(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration such as 90s, 2m or 1h"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a single value"
	case reflect.Map:
		return "a mapping of keys to values"
	}
	return "a value of another form"
}

// describeNode names what the file has at n: a scalar's value (quoted,
// shortened, any URL password masked), or "a list" / "a mapping".
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	v := n.Value
	if at := strings.LastIndex(v, "@"); strings.Contains(v, "://") || (at >= 0 && strings.Contains(v[:at], ":")) {
		v = RedactURL(v)
	}
	if utf8.RuneCountInString(v) > 40 {
		v = string([]rune(v)[:40]) + "…"
	}
	return strconv.Quote(v)
}
