// Package mail reads email the way units really send it: a streaming MIME
// walker (built on github.com/emersion/go-message's header and multipart
// readers) that decodes subjects, addresses and file names in any charset and
// encoding (RFC 2047, RFC 2231, raw 8-bit GBK), hands every file to a
// callback as a stream of decoded bytes, follows forwarded messages, keeps
// the body text for link extraction, classifies the message (submission,
// auto-reply, bounce, bulk, malformed) and reports everything wrong with the
// input as findings, within limits on size, depth and count.
package mail
