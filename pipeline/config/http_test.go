package config

import (
	"strings"
	"testing"
)

func TestHTTP(t *testing.T) {
	for _, tc := range []struct {
		yaml    string
		listen  string
		secure  SecureCookies
		problem string // at its key path, "" for none
	}{
		{yaml: "", listen: "", secure: SecureCookiesAuto},
		{yaml: "http: {listen: '127.0.0.1:8080'}", listen: "127.0.0.1:8080", secure: SecureCookiesAuto},
		{yaml: "http: {listen: ':8080', secure_cookies: true}", listen: ":8080", secure: SecureCookiesAlways},
		{yaml: "http: {listen: ':8080', secure_cookies: false}", listen: ":8080", secure: SecureCookiesNever},
		{yaml: "http: {listen: ':8080', secure_cookies: auto}", listen: ":8080", secure: SecureCookiesAuto},
		{yaml: "http: {listen: '8080'}", problem: "http.listen: must be host:port"},
		{yaml: "http: {secure_cookies: sometimes}", problem: `http.secure_cookies: line 1: must be true, false or auto, not "sometimes"`},
		{yaml: "http: {listne: ':8080'}", problem: "http.listne: line 1: unknown key; did you mean listen?"},
	} {
		t.Run(tc.yaml, func(t *testing.T) {
			cfg, err := Decode([]byte(tc.yaml + "\n" + validCampaign))
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("error %v, want one with %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP.Listen != tc.listen || cfg.HTTP.SecureCookies != tc.secure {
				t.Errorf("http = %+v, want listen %q secure_cookies %q", cfg.HTTP, tc.listen, tc.secure)
			}
		})
	}
}
