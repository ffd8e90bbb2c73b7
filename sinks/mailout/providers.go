package mailout

import "strings"

// smtpHosts maps a mailbox domain to its provider's submission server.
// Every one of them takes implicit TLS on port 465 and the mailbox address
// with its authorization code (授权码) as the login.
var smtpHosts = map[string]string{
	"163.com":     "smtp.163.com",
	"126.com":     "smtp.126.com",
	"yeah.net":    "smtp.yeah.net",
	"qq.com":      "smtp.qq.com",
	"foxmail.com": "smtp.qq.com",
	"sina.com":    "smtp.sina.com",
	"139.com":     "smtp.139.com",
}

// DefaultSMTP returns the submission server of a known provider for the
// mailbox address (User set to the address; Password left to the caller),
// and false for any other domain.
func DefaultSMTP(address string) (SMTP, bool) {
	at := strings.LastIndexByte(address, '@')
	if at < 1 || at == len(address)-1 {
		return SMTP{}, false
	}
	host, ok := smtpHosts[strings.ToLower(strings.TrimSpace(address[at+1:]))]
	if !ok {
		return SMTP{}, false
	}
	return SMTP{Host: host, Port: 465, TLS: TLSImplicit, User: strings.TrimSpace(address)}, true
}
