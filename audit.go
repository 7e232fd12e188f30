package huitong

import "time"

// AuditEntry is one link of the tamper-evident audit trail. Hash is
// SM3(prev hash || canonical form of the entry), so changing, removing or
// reordering any entry breaks every later hash.
type AuditEntry struct {
	Chain      string    `json:"chain"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`      // username, key:<id> or system
	Department string    `json:"department"` // actor's department code
	Action     string    `json:"action"`     // e.g. resource.publish, user.create, login.failed
	Object     string    `json:"object"`     // what was acted on: a resource code, a username
	Result     string    `json:"result"`     // ok, denied, failed
	Detail     string    `json:"detail"`     // canonical JSON with the specifics
	PrevHash   string    `json:"prevHash"`
	Hash       string    `json:"hash"`

	// Tail, when not nil, is the canonical form of the entry after its
	// sequence number, written ahead by audit.PrepareTail so that sealing
	// the entry onto its chain is only the hash. Not stored.
	Tail []byte `json:"-"`
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Object        string
	Actor         string
	Department    string
	Action        string
	Offset, Limit int
}
