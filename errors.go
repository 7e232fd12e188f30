// Package huitong is the domain of the huitong platform: its entities, the
// service interfaces the capability packages implement, and the error type
// every layer speaks. It imports no storage, HTTP or bus code.
package huitong

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the httpapi package.
const (
	EINVALID      = "invalid"      // the input breaks a rule (400)
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller (404)
	ECONFLICT     = "conflict"     // duplicate or wrong state (409)
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed (403)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	ETOOLARGE     = "too_large"    // request body over the limit (413)
	ERATELIMIT    = "rate_limited" // too many attempts or over quota (429)
	EINTERNAL     = "internal"     // a bug or an outage; details are logged, never shown (500)
	EUNAVAILABLE  = "unavailable"  // a dependency is down (503)
)

// FieldError names one field that broke one rule.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Error is the platform's error: a code from the list above, a message a
// person can read (Chinese first), and for validation failures every field
// that broke a rule.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("huitong: %s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("huitong: %s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of an *Error, and a generic message
// for any other error so that internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "内部错误"
}

// ErrorFields returns the field errors of an *Error, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	Fields []FieldError
}

// Add records that field broke rule, with a message for people.
func (v *Validation) Add(field, rule, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID *Error listing every field error, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	msg := v.Fields[0].Field + ": " + v.Fields[0].Message
	if len(v.Fields) > 1 {
		msg += fmt.Sprintf(" (另有 %d 处错误)", len(v.Fields)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: v.Fields}
}
