// Package gm holds huitong's national-cryptography (GM/T, 国密) primitives:
// SM3 hashing, SM2 signatures and SM4-GCM encryption at rest, built on
// github.com/emmansun/gmsm.
//
// Everything this package signs is a plain SM2-with-SM3 signature
// (GB/T 32918.2-2016) over the message, with the GM/T 0009-2012 default
// signer id "1234567812345678" bound into Z_A, DER-encoded, so stock
// OpenSSL 3 verifies it when told that id:
//
//	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -digest sm3 \
//	    -pkeyopt distid:1234567812345678 -in payload -sigfile sig.der
//
// NB: the -pkeyopt distid is required. OpenSSL 1.1.1 to 3.x (checked with
// 3.0.19) does not apply the GM/T 0009 default: with no distid it computes
// Z_A over an empty id, so the command without it rejects every signature
// made with the standard id (and signatures OpenSSL makes without it do not
// verify here). This package follows GM/T 0009, as SM2 CA certificates
// (GM/T 0015), gmsm, GmSSL 3 and BouncyCastle do.
//
// NB: key material never appears in errors, in fmt output (%v, %+v, %#v,
// %s, %x ...) or in slog records; PrivateKey and Keyring print as redacted
// placeholders. Keep it that way when adding methods.
package gm

import "fmt"

// DefaultSignerID is the SM2 signer distinguishing identifier (ID_A) used
// for every signature this package makes or checks: the default id of
// GM/T 0009-2012 (SM2 密码算法使用规范) clause 10. OpenSSL needs it given
// explicitly (-pkeyopt distid:1234567812345678): its own default is empty.
const DefaultSignerID = "1234567812345678"

// Rules are the stable machine-readable names carried by *Error. They never
// change once published; callers may switch on them.
const (
	RuleMasterKeyMissing  = "gm.master_key_missing"  // no master key configured
	RuleMasterKeyEncoding = "gm.master_key_encoding" // not 32 hex characters nor base64 of 16 bytes
	RuleMasterKeyLength   = "gm.master_key_length"   // decoded key is not 16 bytes
	RuleMasterKeyWeak     = "gm.master_key_weak"     // all-zero placeholder key
	RuleSealedFormat      = "gm.sealed_format"       // sealed blob too short or unknown version
	RuleOpenFailed        = "gm.open_failed"         // authentication failed
	RulePEM               = "gm.pem"                 // no PEM block of the expected type
	RuleKeyEncoding       = "gm.key_encoding"        // DER of a key does not parse
	RuleNotSM2            = "gm.not_sm2"             // a key, but not on the SM2 curve
	RuleKeyMissing        = "gm.key_missing"         // a nil or zero PrivateKey was used
	RuleKeyID             = "gm.key_id"              // empty id when sealing a private key
	RuleRandom            = "gm.random"              // the system random source failed
)

// Error is the error type returned by this package. Rule is one of the Rule*
// constants; Message says in Chinese what was wrong and what was expected.
// Neither ever contains key material, plaintext or ciphertext bytes.
type Error struct {
	Rule    string
	Message string
}

// Error returns "gm: <rule>: <message>".
func (e *Error) Error() string { return "gm: " + e.Rule + ": " + e.Message }

// Is reports whether target is an *Error with the same Rule, so that
// errors.Is(err, &gm.Error{Rule: gm.RuleOpenFailed}) works whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Rule == e.Rule
}

func errorf(rule, format string, args ...any) error {
	return &Error{Rule: rule, Message: fmt.Sprintf(format, args...)}
}
