package links

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// DownloadOptions bound one download.
type DownloadOptions struct {
	// Client makes the request (nil: a client with no cookies and the
	// default transport).
	Client *http.Client
	// MaxBytes is the most bytes accepted; a longer body is an error
	// wrapping ErrTooLarge.
	MaxBytes int64
	// Timeout bounds the whole download.
	Timeout time.Duration
}

// Errors returned by Download.
var (
	// ErrTooLarge means the file is larger than DownloadOptions.MaxBytes.
	ErrTooLarge = errors.New("links: download larger than the limit")
	// ErrNotFile means the link leads to a web page (HTML), not a file:
	// most large-attachment links need a browser to get the file.
	ErrNotFile = errors.New("links: link leads to a web page, not a file")
)

// Download fetches the file behind a link into w and returns the file name
// the server gives (Content-Disposition), if any, and the bytes written.
func Download(ctx context.Context, rawURL string, w io.Writer, opts DownloadOptions) (name string, n int64, err error) {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", 0, fmt.Errorf("download %s: %w", rawURL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("download %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("download %s: HTTP %s", rawURL, resp.Status)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "text/html" || ct == "application/xhtml+xml" {
		return "", 0, fmt.Errorf("download %s: %w", rawURL, ErrNotFile)
	}
	if opts.MaxBytes > 0 && resp.ContentLength > opts.MaxBytes {
		return "", 0, fmt.Errorf("download %s: %d bytes: %w", rawURL, resp.ContentLength, ErrTooLarge)
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		name = strings.TrimSpace(params["filename"])
	}
	body := io.Reader(resp.Body)
	if opts.MaxBytes > 0 {
		body = io.LimitReader(resp.Body, opts.MaxBytes+1)
	}
	n, err = io.Copy(w, body)
	if err != nil {
		return name, n, fmt.Errorf("download %s: %w", rawURL, err)
	}
	if opts.MaxBytes > 0 && n > opts.MaxBytes {
		return name, n, fmt.Errorf("download %s: %w", rawURL, ErrTooLarge)
	}
	return name, n, nil
}
