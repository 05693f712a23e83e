package web

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// The portal's one form pattern, used by every POST that takes what a person typed: decode the form
// into its own struct, check it with the domain's validation, and on a validation error show the same
// form again (422), as typed, with an error summary and a message at each field (aria-describedby),
// instead of the error page. Nothing is stored then.

// formErrors maps an input's name to the message shown at it.
type formErrors map[string]string

// fieldMsg is one line of a form's error summary, linking to its input.
type fieldMsg struct {
	Input string // the input's id; empty for a message about the whole form
	Text  string
}

// formInvalid is the summary's key for a rule broken by something the form does not ask (e.g. an
// organisation taken from the configuration).
const formInvalid = "form"

// fieldErrors turns validation errors into messages at a form's inputs. inputs maps a domain field
// (subject_bsn) to the input's name (bsn); the message is s.t(l, prefix+input), written per input to
// say its rule. It returns nil, nil when every err is nil; nil and the error when one is not a
// validation error with fields, for the caller to return as is.
func (s *server) fieldErrors(l, prefix string, inputs map[string]string, errs ...error) (formErrors, error) {
	var fe formErrors
	for _, err := range errs {
		if err == nil {
			continue
		}
		var pe *portal.Error
		if portal.ErrorCode(err) != portal.EINVALID || !errors.As(err, &pe) || len(pe.Fields) == 0 {
			return nil, err
		}
		if fe == nil {
			fe = formErrors{}
		}
		for _, f := range pe.Fields {
			if in, ok := inputs[f.Field]; ok && f.Message == portal.MsgBSNInText {
				fe[in] = s.t(l, "form.err.bsn") // the rule broken is not the one the input's message says
			} else if ok {
				fe[in] = s.t(l, prefix+in)
			} else {
				fe[formInvalid] = s.t(l, "form.err.other")
			}
		}
	}
	return fe, nil
}

// summary lists the errors in the order of the form's inputs, for the error summary at its top.
func (fe formErrors) summary(order []string) []fieldMsg {
	var out []fieldMsg
	if m, ok := fe[formInvalid]; ok {
		out = append(out, fieldMsg{Text: m})
	}
	for _, in := range order {
		if m, ok := fe[in]; ok {
			out = append(out, fieldMsg{Input: in, Text: m})
		}
	}
	for in, m := range fe { // an input left out of order is still named
		if in != formInvalid && !slices.Contains(order, in) {
			out = append(out, fieldMsg{Input: in, Text: m})
		}
	}
	return out
}

// formNewlines turns the CR LF line breaks browsers send for a <textarea> (HTML's rules for form
// submission) into the LF the portal checks and stores (portal.CheckText refuses a control character
// such as CR); a lone CR becomes LF too. Without it, an explanation of more than one line was refused.
func formNewlines(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost || !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return c.Next()
	}
	args := c.Request().PostArgs()
	hasCR := false
	args.VisitAll(func(_, v []byte) { hasCR = hasCR || bytes.IndexByte(v, '\r') >= 0 })
	if !hasCR {
		return c.Next()
	}
	var pairs [][2]string // in order: a field may come more than once (checkboxes)
	args.VisitAll(func(k, v []byte) {
		pairs = append(pairs, [2]string{string(k), strings.ReplaceAll(strings.ReplaceAll(string(v), "\r\n", "\n"), "\r", "\n")})
	})
	args.Reset()
	for _, p := range pairs {
		args.Add(p[0], p[1])
	}
	return c.Next()
}
