package config

import (
	"fmt"
	"net"
	"strings"

	"gopkg.in/yaml.v3"
)

// HTTP configures the officers' console (pipeline/console).
type HTTP struct {
	// Listen is the address `shoubao run` and `shoubao serve` serve the
	// console on, e.g. 127.0.0.1:8080 or :8080. Empty (the default): run
	// serves no console.
	Listen string `yaml:"listen"`
	// SecureCookies says whether the console's cookies carry the Secure
	// attribute: "auto" (the default: when the request came over TLS),
	// true (always: behind a reverse proxy that terminates HTTPS) or false.
	SecureCookies SecureCookies `yaml:"secure_cookies"`
}

// SecureCookies is true, false or "auto".
type SecureCookies string

// Values of SecureCookies.
const (
	SecureCookiesAuto   SecureCookies = "auto"
	SecureCookiesAlways SecureCookies = "true"
	SecureCookiesNever  SecureCookies = "false"
)

// UnmarshalYAML accepts true, false or auto.
func (s *SecureCookies) UnmarshalYAML(n *yaml.Node) error {
	switch v := strings.ToLower(strings.TrimSpace(n.Value)); v {
	case "auto", "":
		*s = SecureCookiesAuto
	case "true", "yes", "on":
		*s = SecureCookiesAlways
	case "false", "no", "off":
		*s = SecureCookiesNever
	default:
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: must be true, false or auto, not %q", n.Line, n.Value)}}
	}
	return nil
}

func (h *HTTP) applyDefaults() {
	if h.SecureCookies == "" {
		h.SecureCookies = SecureCookiesAuto
	}
}

func (h *HTTP) validate(ps *problems) {
	if h.Listen == "" {
		return
	}
	if _, port, err := net.SplitHostPort(h.Listen); err != nil || port == "" {
		ps.add("http.listen", "must be host:port such as 127.0.0.1:8080 or :8080, not %q", h.Listen)
	}
}
