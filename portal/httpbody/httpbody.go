// Package httpbody bounds request bodies after decompression. Fiber v2's Ctx.Body inflates a
// gzip, deflate or brotli body whole, in memory, before any size check (fasthttp's BodyGunzip and
// friends), so a few hundred kilobytes of gzip can make the server allocate gigabytes. The
// middleware here inflates such a body itself, through a limit, before any handler reads it.
package httpbody

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
)

// Supported lists the content codings the middleware inflates, for the Accept-Encoding header of
// a 415 answer (RFC 9110 section 15.5.16).
const Supported = "gzip, deflate, br"

// Config tunes the middleware.
type Config struct {
	// Limit is the largest body accepted, in bytes, both as sent and after inflating. Required.
	Limit int
	// Skip, when set, lets requests through untouched (for a mounted app that bounds its own
	// bodies and answers in its own format).
	Skip func(c *fiber.Ctx) bool
}

// New returns a middleware that refuses a body larger than cfg.Limit with 413, as sent or after
// inflating. A body with a Content-Encoding is inflated through a limit of cfg.Limit+1 bytes, so
// no more than that is ever held; the inflated bytes then replace the body and the
// Content-Encoding header is removed, so that nothing downstream inflates it again. An unknown
// coding, or more than one coding (stacked), is refused with 415; a body that is not valid in its
// coding with 400. The errors are *fiber.Error, rendered by the app's error handler.
func New(cfg Config) fiber.Handler {
	if cfg.Limit <= 0 {
		panic("httpbody: Config.Limit must be positive")
	}
	return func(c *fiber.Ctx) error {
		if cfg.Skip != nil && cfg.Skip(c) {
			return c.Next()
		}
		req := c.Request()
		// The raw body: fasthttp's Request.Body never inflates (unlike fiber.Ctx.Body).
		raw := req.Body()
		if len(raw) > cfg.Limit {
			return tooLarge(cfg.Limit)
		}
		// Every Content-Encoding line counts: Peek returns the first while Fiber's Ctx.Body inflates
		// by the last, so an empty first line must not let a gzip second line through.
		var lines []string
		for _, v := range req.Header.PeekAll(fiber.HeaderContentEncoding) {
			lines = append(lines, string(v))
		}
		header := strings.Join(lines, ",")
		if len(lines) == 0 {
			return c.Next()
		}
		coding, err := parseCoding(header)
		if err != nil {
			c.Set(fiber.HeaderAcceptEncoding, Supported)
			return fiber.NewError(fiber.StatusUnsupportedMediaType, err.Error())
		}
		if coding != "" && len(raw) > 0 {
			body, err := Inflate(raw, coding, cfg.Limit)
			if err != nil {
				return err
			}
			req.SetBodyRaw(body)
			req.Header.SetContentLength(len(body))
		}
		req.Header.Del(fiber.HeaderContentEncoding)
		return c.Next()
	}
}

// PathPrefix is a Skip for the paths under prefix (compared without regard to case, as Fiber routes).
func PathPrefix(prefix string) func(c *fiber.Ctx) bool {
	return func(c *fiber.Ctx) bool {
		p := c.Path()
		return len(p) >= len(prefix) && strings.EqualFold(p[:len(prefix)], prefix)
	}
}

func tooLarge(limit int) error {
	return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes (also after decompression)", limit))
}

// parseCoding returns the one content coding of a Content-Encoding header ("" for identity only),
// or an error for an unknown or a stacked coding. Stacked codings (gzip, br) are refused rather
// than inflated layer by layer: no client needs them, and each layer would multiply the work.
func parseCoding(header string) (string, error) {
	var codings []string
	for _, c := range strings.Split(header, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		switch c {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			c = "gzip"
		case "deflate", "br":
		default:
			return "", fmt.Errorf("the content coding %q is not supported (only one of %s)", c, Supported)
		}
		codings = append(codings, c)
	}
	if len(codings) > 1 {
		return "", fmt.Errorf("stacked content codings (%s) are not supported; use one of %s", strings.Join(codings, ", "), Supported)
	}
	if len(codings) == 0 {
		return "", nil
	}
	return codings[0], nil
}

// Inflate decodes body in coding (gzip, deflate or br), streaming through a limit. It inflates
// twice: first into io.Discard to learn the size (a bomb stops there, at limit+1 bytes, having
// allocated nothing but the decoder), then into a buffer of exactly that size, so a body is held
// once and no growing buffer leaves garbage behind. It returns a 413 *fiber.Error when the
// inflated body is larger than limit, a 400 when body is not valid in its coding, and a 415 for an
// unknown coding. "deflate" is the zlib format (RFC 9110); raw DEFLATE, which some clients send,
// is accepted too.
func Inflate(body []byte, coding string, limit int) ([]byte, error) {
	r, err := decoder(body, coding)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, int64(limit)+1))
	if n > int64(limit) {
		return nil, tooLarge(limit)
	}
	if err != nil {
		return nil, invalid(coding)
	}
	if r, err = decoder(body, coding); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, invalid(coding)
	}
	return out, nil
}

// decoder returns a reader that inflates body in coding.
func decoder(body []byte, coding string) (io.Reader, error) {
	switch coding {
	case "gzip":
		// A gzip body may hold several members; they are inflated as one stream, through the limit.
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, invalid(coding)
		}
		return zr, nil
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return flate.NewReader(bytes.NewReader(body)), nil
		}
		return zr, nil
	case "br":
		return brotli.NewReader(bytes.NewReader(body)), nil
	}
	return nil, fiber.NewError(fiber.StatusUnsupportedMediaType, fmt.Sprintf("the content coding %q is not supported", coding))
}

func invalid(coding string) error {
	return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("the body is not valid %s", coding))
}
