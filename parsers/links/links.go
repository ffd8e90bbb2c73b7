// Package links finds the "超大附件" (large attachment) and 网盘 (cloud
// drive) links that units put in a message body instead of attaching a
// video: 163/126 mail, QQ mail, Baidu, Aliyun, 115, Lanzou, Weiyun, Tianyi
// and 139 cloud drives. It records provider, URL, file name, size and
// expiry when the body states them, and can download a link with bounded
// size and time.
package links

// Link is one large-attachment or cloud-drive link found in a body. Its JSON
// form is part of the public `shoubao probe --json` format.
type Link struct {
	// Provider names the service: "163mail" (163/126/yeah.net large
	// attachments), "163dashi" (网易邮箱大师 cloud attachments), "qqmail",
	// "qqexmail" (Tencent enterprise mail), "baidu", "aliyun", "115",
	// "lanzou", "weiyun", "189" (天翼云盘), "139" (中国移动云盘), "quark",
	// "123pan".
	Provider string `json:"provider"`
	// URL is the link as found (HTML entities decoded).
	URL string `json:"url"`
	// Name is the file name the body gives for the link, or "".
	Name string `json:"name"`
	// Size is the size the body states, in bytes (0 when not stated).
	Size int64 `json:"size"`
	// Expires is the expiry the body states, RFC 3339 in Asia/Shanghai,
	// or "".
	Expires string `json:"expires"`
	// Code is the extraction code (提取码) stated next to a drive link, or "".
	Code string `json:"code,omitempty"`
}
