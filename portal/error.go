// Package portal holds Inzicht's domain: processing activities and events, citizens' identities,
// validation and the error kinds shared by every surface. It imports no web framework and no
// database driver; implementations live in subpackages.
package portal

import (
	"errors"
	"fmt"
)

// Error codes. Surfaces map them to HTTP statuses.
const (
	EINVALID      = "invalid"      // the input breaks a rule (422)
	ENOTFOUND     = "not_found"    // no such thing, or not yours (404)
	ECONFLICT     = "conflict"     // the same id with other content (409)
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials (401)
	EFORBIDDEN    = "forbidden"    // credentials lack the right (403)
	ETOOLARGE     = "too_large"    // request too large (413)
	ETOOMANY      = "too_many"     // a person's filing limit is reached (429)
	EINTERNAL     = "internal"     // anything else (500); never shown in detail
)

// FieldError names one invalid field, optionally of one item (Index >= 0) in a batch.
type FieldError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error with a code, a message that is safe to show and optional field errors.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL otherwise, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain, or a generic text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field errors of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
