// Package config loads and validates shoubao's configuration: one YAML file
// for everything that is not secret, and environment variables (or files) for
// the secrets it names.
//
// A configuration is loaded with Load, which reports every problem it finds in
// one error, each with the key path it concerns, so an operator can fix the
// whole file in one pass.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Environment variables that override the file. Secrets never need to sit in
// the file: the database URL (which may carry a password) and every IMAP or
// SMTP password can come from the environment.
const (
	EnvDatabaseURL = "SHOUBAO_DATABASE_URL"
	EnvNATSURL     = "SHOUBAO_NATS_URL"
	EnvDataDir     = "SHOUBAO_DATA_DIR"
)

// Config is the whole configuration of one shoubao deployment.
type Config struct {
	// DataDir holds the embedded store, the embedded NATS server's files and
	// scratch space. Default "./shoubao-data".
	DataDir string `yaml:"data_dir"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	// MemoryLimit is the Go runtime's soft memory limit for the process
	// (runtime/debug.SetMemoryLimit): above it the garbage collector works
	// harder instead of letting the heap double. Default 64MB, which keeps
	// a 500 MB message with the embedded nats-server under 100 MB of RSS
	// (measured: 5-10% fewer small messages per second). The GOMEMLIMIT
	// environment variable, when set (GOMEMLIMIT=off disables the limit),
	// wins.
	MemoryLimit ByteSize `yaml:"memory_limit"`

	Store    Store      `yaml:"store"`
	Bus      Bus        `yaml:"bus"`
	SMTP     SMTP       `yaml:"smtp"`
	Poll     Poll       `yaml:"poll"`
	Worker   Worker     `yaml:"worker"`
	HTTP     HTTP       `yaml:"http"`
	Campaign []Campaign `yaml:"campaigns"`

	// decodeProblems are the file's type errors, reported with the
	// validation problems.
	decodeProblems []Problem
}

// Store says where submissions are stored.
type Store struct {
	// URL is a PostgreSQL URL (postgres://…). Empty means the embedded
	// SQLite store in DataDir. SHOUBAO_DATABASE_URL overrides it.
	URL string `yaml:"url"`
}

// Bus says where NATS JetStream is.
type Bus struct {
	// URL is a NATS server URL (nats://host:4222, or several separated by
	// commas). Empty means an embedded nats-server. SHOUBAO_NATS_URL
	// overrides it.
	URL string `yaml:"url"`
	// Namespace prefixes every stream, consumer and bucket name, so that
	// several installations can share one NATS cluster. Default "".
	Namespace string `yaml:"namespace"`
	// Embedded tunes the embedded server; ignored when URL is set.
	Embedded Embedded `yaml:"embedded"`
	// LeaseTTL is how long a process's claim on a mailbox outlives it:
	// after it dies, another process polls the mailbox within 1.2 times
	// this (processes retry every fifth of it). Default 25s: within 30 s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Replicas is how many servers of a NATS cluster keep each stream,
	// key-value bucket and object store (JetStream's replicas): 3 survives
	// the loss of one server. Default 1; 1 to 5; more than 1 needs URL (a
	// cluster: the embedded server is a single node).
	Replicas int `yaml:"replicas"`
}

// Embedded holds the limits of the embedded nats-server. They are set
// explicitly because the server's own defaults size themselves to the
// machine (tens of gigabytes).
type Embedded struct {
	// Listen is a loopback address where the embedded server also accepts
	// connections (the nats CLI, workers in other processes), e.g.
	// 127.0.0.1:4250. Default "none": reachable only inside the process.
	Listen string `yaml:"listen"`
	// MaxMemory caps JetStream memory storage. Default 256MB.
	MaxMemory ByteSize `yaml:"max_memory"`
	// MaxStore caps JetStream file storage. Default 20GB.
	MaxStore ByteSize `yaml:"max_store"`
}

// SMTP is the relay used for outgoing mail (receipts, reminders).
type SMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is "implicit" (port 465), "starttls" (587) or "none" (loopback only).
	TLS  string `yaml:"tls"`
	User string `yaml:"user"`
	// Secret names where the password comes from.
	Secret Secret `yaml:",inline"`
	// From is the sender address of receipts; default User.
	From string `yaml:"from"`
}

// Poll tunes the IMAP pollers.
type Poll struct {
	// Interval between polls when the server does not offer IDLE. Default 2m.
	Interval time.Duration `yaml:"interval"`
	// StaleAfter is how long a mailbox may go without a successful sync
	// before it is reported loudly. Default 30m.
	StaleAfter time.Duration `yaml:"stale_after"`
	// MaxBackoff caps the reconnect backoff. Default 5m.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// PostProcess is what to do to a message in the mailbox once it is
	// stored: "none" (default), "seen", "keyword" or "move".
	PostProcess string `yaml:"post_process"`
	// Keyword is the IMAP keyword set when PostProcess is "keyword".
	Keyword string `yaml:"keyword"`
	// MoveTo is the folder messages go to when PostProcess is "move".
	MoveTo string `yaml:"move_to"`
}

// Worker tunes the workers.
type Worker struct {
	// Concurrency is the number of workers in this process. Default 2.
	Concurrency int `yaml:"concurrency"`
	// MaxDeliver is how many times a message is tried before it becomes a
	// dead letter. Default 5.
	MaxDeliver int `yaml:"max_deliver"`
	// MaxMessageSize is the largest raw message accepted. Default 2GB.
	MaxMessageSize ByteSize `yaml:"max_message_size"`
	// DownloadLinks makes workers download the large-attachment (超大附件)
	// and cloud-drive links found in bodies and inspect the files, bounded
	// in size and time. Default false.
	DownloadLinks bool `yaml:"download_links"`
	// FFprobe is the ffprobe binary used for videos the built-in reader
	// cannot measure: "" finds it on PATH, "none" never uses it.
	FFprobe string `yaml:"ffprobe"`
}

// Load reads, decodes, fills defaults, applies environment overrides and
// validates the configuration file at path, including that every secret it
// names is present. The error, if any, lists every problem found.
func Load(path string) (*Config, error) { return load(path, Parse) }

// Read is Load without the check that secrets are present, for commands
// that never log in to a mailbox (status).
func Read(path string) (*Config, error) { return load(path, Decode) }

func load(path string, parse func([]byte) (*Config, error)) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	cfg, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	if cfg.DataDir != "" && !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(filepath.Dir(path), cfg.DataDir)
	}
	return cfg, nil
}

// Parse decodes and validates a configuration from YAML bytes, applying
// defaults and environment overrides, and checks that every secret it names
// is present. Relative paths stay relative.
func Parse(b []byte) (*Config, error) {
	cfg, err := decode(b)
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(true); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Decode is Parse without the check that secrets are present: for tools
// that write or inspect a configuration on a machine that does not hold the
// secrets (campaign import, tests).
func Decode(b []byte) (*Config, error) {
	cfg, err := decode(b)
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(false); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decode(b []byte) (*Config, error) {
	var cfg Config
	// The tree is read first and checked against the types (unknown keys,
	// values of the wrong form), so that each problem names its key path;
	// then it is decoded, which goes on past bad values.
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{Problems: []Problem{{Path: "(file)", Message: err.Error()}}}
	}
	if root.Kind != 0 {
		k := checkKeys(&root, reflect.TypeFor[Config]())
		cfg.decodeProblems = k.problems
		if err := root.Decode(&cfg); err != nil {
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				return nil, &Error{Problems: append(k.problems, Problem{Path: "(file)", Message: err.Error()})}
			}
			cfg.decodeProblems = append(cfg.decodeProblems, k.leftover(te)...)
		}
	}
	cfg.applyEnv()
	cfg.applyDefaults()
	return &cfg, nil
}

func (c *Config) applyEnv() {
	if v := os.Getenv(EnvDatabaseURL); v != "" {
		c.Store.URL = v
	}
	if v := os.Getenv(EnvNATSURL); v != "" {
		c.Bus.URL = v
	}
	if v := os.Getenv(EnvDataDir); v != "" {
		c.DataDir = v
	}
}

func (c *Config) applyDefaults() {
	if c.DataDir == "" {
		c.DataDir = "shoubao-data"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = 64 << 20
	}
	if c.Bus.Embedded.Listen == "" {
		c.Bus.Embedded.Listen = "none"
	}
	if c.Bus.LeaseTTL == 0 {
		c.Bus.LeaseTTL = 25 * time.Second
	}
	if c.Bus.Replicas == 0 {
		c.Bus.Replicas = 1
	}
	if c.Bus.Embedded.MaxMemory == 0 {
		c.Bus.Embedded.MaxMemory = 256 << 20
	}
	if c.Bus.Embedded.MaxStore == 0 {
		c.Bus.Embedded.MaxStore = 20 << 30
	}
	if c.SMTP.TLS == "" {
		c.SMTP.TLS = "implicit"
	}
	if c.SMTP.Port == 0 && c.SMTP.Host != "" {
		c.SMTP.Port = map[string]int{"implicit": 465, "starttls": 587}[c.SMTP.TLS]
		if c.SMTP.Port == 0 {
			c.SMTP.Port = 25
		}
	}
	if c.SMTP.From == "" {
		c.SMTP.From = c.SMTP.User
	}
	if c.Poll.Interval == 0 {
		c.Poll.Interval = 2 * time.Minute
	}
	if c.Poll.StaleAfter == 0 {
		c.Poll.StaleAfter = 30 * time.Minute
	}
	if c.Poll.MaxBackoff == 0 {
		c.Poll.MaxBackoff = 5 * time.Minute
	}
	if c.Poll.PostProcess == "" {
		c.Poll.PostProcess = "none"
	}
	if c.Worker.Concurrency == 0 {
		c.Worker.Concurrency = 2
	}
	if c.Worker.MaxDeliver == 0 {
		c.Worker.MaxDeliver = 5
	}
	if c.Worker.MaxMessageSize == 0 {
		c.Worker.MaxMessageSize = 2 << 30
	}
	c.HTTP.applyDefaults()
	for i := range c.Campaign {
		cp := &c.Campaign[i]
		if cp.Delivery == "" {
			cp.Delivery = DeliveryAny
		}
		if cp.Receipts.Mode == "" {
			cp.Receipts.Mode = ReceiptsPreview
		}
		if cp.Receipts.PerRecipientPerHour == 0 {
			cp.Receipts.PerRecipientPerHour = 5
		}
		if cp.Digest.Mode == "" {
			cp.Digest.Mode = ReceiptsPreview
		}
		if cp.Digest.At == "" {
			cp.Digest.At = "08:30"
		}
		if cp.Digest.DaysAfterDeadline == 0 {
			cp.Digest.DaysAfterDeadline = 3
		}
		if cp.Reminders.Mode == "" {
			cp.Reminders.Mode = ReceiptsPreview
		}
		if cp.Reminders.DaysBefore == nil {
			cp.Reminders.DaysBefore = []int{3, 1}
		}
		if cp.Reminders.At == "" {
			cp.Reminders.At = "09:00"
		}
		if cp.Upward.MaxMailSize == 0 {
			cp.Upward.MaxMailSize = 45 << 20
		}
		for j := range cp.Mailboxes {
			m := &cp.Mailboxes[j].IMAP
			if m.TLS == "" {
				m.TLS = "implicit"
			}
			if m.Port == 0 {
				m.Port = 143
				if m.TLS == "implicit" {
					m.Port = 993
				}
			}
			if m.User == "" {
				m.User = cp.Mailboxes[j].Address
			}
			if m.Folder == "" {
				m.Folder = "INBOX"
			}
		}
	}
}

// CampaignByID returns the campaign with the given id, or nil.
func (c *Config) CampaignByID(id string) *Campaign {
	for i := range c.Campaign {
		if c.Campaign[i].ID == id {
			return &c.Campaign[i]
		}
	}
	return nil
}

// MailboxID is the stable identifier of a campaign's mailbox, used for
// checkpoints, object names and logs: "<campaign>/<address>".
func MailboxID(campaignID, address string) string {
	return campaign.MailboxID(campaignID, address)
}
