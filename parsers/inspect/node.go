// Package inspect turns any input — a raw message from the mailbox, an .eml,
// an archive, a table, a video, any file — into one tree of Nodes: the
// message with its decoded header and class, the files inside it and inside
// its archives and forwarded messages, each with its kind and findings. The
// worker stores this tree; `shoubao probe --json` prints it.
package inspect

import (
	"context"
	"io"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/links"
	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/parsers/video"
)

// Node is one input or one file inside it. Its JSON form is the public
// `shoubao probe --json` format.
type Node struct {
	// Path is the input's path (top-level input only).
	Path string `json:"path,omitempty"`
	// Name is the decoded file name (NFC, sanitised to a base name), for
	// parts and archive members.
	Name string `json:"name,omitempty"`
	// RawName is the name as sent when it differs from Name: the header
	// parameter bytes or the archive member name, with bytes that are not
	// UTF-8 written as \xNN escapes (Go string literal rules, no quotes).
	RawName string `json:"raw_name,omitempty"`
	// Part is the MIME part number ("2", "2.1") of a part of a message.
	Part string `json:"part,omitempty"`
	// Member is the path inside the archive of an archive member.
	Member string `json:"member,omitempty"`
	// URL is the link a file was downloaded from (Options.DownloadLinks).
	URL string `json:"url,omitempty"`
	// ContentType is the declared MIME type of a part of a message.
	ContentType string `json:"content_type,omitempty"`
	// Kind is message, archive, report, stats_table, recommend_table,
	// video, photo or other.
	Kind string `json:"kind"`
	// Format is the file format found from the content (then the name):
	// jpeg, png, heic, mp4, mov, zip, rar, 7z, docx, doc, wps, xlsx, xls,
	// et, pdf, txt, eml… ("" when unknown).
	Format string `json:"format,omitempty"`
	// Size is the size in bytes of the decoded content.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the decoded bytes (the raw bytes for a
	// top-level message).
	SHA256 string `json:"sha256"`
	// Findings are the problems and notices for this node (never null).
	Findings []finding.Finding `json:"findings"`
	// Message is set for messages: the top-level one and forwarded ones.
	Message *MessageInfo `json:"message,omitempty"`
	// Parts are the files inside a message or an archive, recursively.
	Parts []*Node `json:"parts,omitempty"`
	// Video is set for videos the video parser could read.
	Video *video.Info `json:"video,omitempty"`
	// Stats is set for recognised statistics tables.
	Stats *sheets.Stats `json:"stats,omitempty"`
	// Recommend is set for recognised recommendation lists.
	Recommend *sheets.Recommend `json:"recommend,omitempty"`
}

// MessageInfo is the decoded header, class and links of a message node.
// (Named MessageInfo because the package's entry point is the function
// Message; Go does not allow a type and a function of the same name.)
type MessageInfo struct {
	// Subject is the decoded subject.
	Subject string `json:"subject"`
	// From is the sender as "名字 <addr>".
	From string `json:"from"`
	// FromAddress is the sender's address, lower-cased.
	FromAddress string `json:"from_address"`
	// To and Cc are the recipients.
	To []string `json:"to"`
	Cc []string `json:"cc"`
	// Date is the Date field in RFC 3339 ("" when missing or unreadable).
	Date string `json:"date"`
	// MessageID is the Message-ID without angle brackets.
	MessageID string `json:"message_id"`
	// Class is submission, auto_reply, bounce, bulk or malformed.
	Class string `json:"class"`
	// ReplyTo is the first Reply-To address, lower-cased ("" when none).
	ReplyTo string `json:"reply_to,omitempty"`
	// Headers are the header fields that tell a robot from a person
	// (Auto-Submitted, Precedence, List-*, Return-Path, X-Autoreply…),
	// decoded, by canonical name; absent fields are left out.
	Headers map[string]string `json:"headers,omitempty"`
	// Report is the report-type of a multipart/report (delivery-status for
	// a DSN, disposition-notification for a read receipt), or "".
	Report string `json:"report,omitempty"`
	// Links are the large-attachment and cloud-drive links in the body.
	Links []links.Link `json:"links"`
	// Text is the start of the plain-text body (HTML reduced to text when
	// there is no plain text), at most 2000 characters.
	Text string `json:"text"`
}

// FileSink receives every file's decoded bytes (the worker stores them
// content-addressed). It is called for each node that is not a message:
// attachments, archives themselves and archive members.
type FileSink interface {
	PutFile(ctx context.Context, sha256 string, size int64, r io.Reader) error
}

// Walk calls fn for n and every node below it, depth first, parents first.
func (n *Node) Walk(fn func(*Node)) {
	fn(n)
	for _, c := range n.Parts {
		c.Walk(fn)
	}
}
