// Package chaos is the chaos suite: 500 mails in a real Dovecot mailbox are ingested by real shoubao processes while they, NATS and PostgreSQL are killed and restarted, and the outcome is counted against the mailbox and an SMTP sink.
package chaos
