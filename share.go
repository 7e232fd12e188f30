package huitong

import (
	"slices"
	"time"
)

// Sharing and exchange (共享交换), after 《政务信息资源共享管理暂行办法》
// (国发〔2016〕51号): a consumer department uses an unconditional resource
// at once, applies for a conditional one, and the provider answers within
// a number of working days. An approved request becomes a Grant; every use
// of a grant (query, verification, subscription delivery, export) is an
// entry of the audit chain. The exchange package implements it.

// RequestStatus is the state of a share request.
type RequestStatus string

// Share request states. A pending request is approved (a grant is made),
// refused with a reason, or withdrawn by the consumer. A pending request
// past its due date is escalated to the data authority but stays pending
// until someone decides.
const (
	RequestPending   RequestStatus = "pending"   // 待审批
	RequestApproved  RequestStatus = "approved"  // 已同意
	RequestRefused   RequestStatus = "refused"   // 不予同意
	RequestWithdrawn RequestStatus = "withdrawn" // 已撤回
)

// Label returns the Chinese name of the state.
func (s RequestStatus) Label() string {
	switch s {
	case RequestPending:
		return "待审批"
	case RequestApproved:
		return "已同意"
	case RequestRefused:
		return "不予同意"
	case RequestWithdrawn:
		return "已撤回"
	}
	return string(s)
}

// Uses of a grant: what the consumer's systems may do with it.
const (
	UseQuery     = "query"     // 查询: one subject by key, or a batch of keys
	UseVerify    = "verify"    // 核验: match / no match, no data returned
	UseSubscribe = "subscribe" // 订阅: changes through NATS, the pull endpoint or a webhook
	UseExport    = "export"    // 批量导出: CSV or JSON, streamed
)

// Uses lists every use in a stable order.
var Uses = []string{UseQuery, UseVerify, UseSubscribe, UseExport}

// ShareRequest is a consumer's application (共享申请) for a resource.
type ShareRequest struct {
	ID             int64         `json:"id"`
	Resource       string        `json:"resource"`
	ResourceName   string        `json:"resourceName"`
	Provider       string        `json:"provider"`
	Consumer       string        `json:"consumer"`
	Items          []string      `json:"items"`                  // item codes (names for items without a code)
	Uses           []string      `json:"uses"`                   // query, verify, subscribe, export
	Purpose        string        `json:"purpose"`                // 用途
	LegalBasis     string        `json:"legalBasis"`             // 依据
	Jurisdiction   string        `json:"jurisdiction"`           // GB/T 2260 code of the subjects wanted
	Until          time.Time     `json:"until"`                  // end of the use asked for
	ExpectedVolume int           `json:"expectedVolume"`         // subjects a day
	PlainItems     []string      `json:"plainItems,omitempty"`   // sensitive items wanted unmasked
	Status         RequestStatus `json:"status"`                 // pending, approved, refused, withdrawn
	DueBy          time.Time     `json:"dueBy"`                  // the provider answers by then (working days)
	Overdue        bool          `json:"overdue,omitempty"`      // pending past DueBy
	Escalated      bool          `json:"escalated,omitempty"`    // passed to the data authority
	EscalatedAt    time.Time     `json:"escalatedAt,omitzero"`   //
	Reason         string        `json:"reason,omitempty"`       // why refused, or a note on the approval
	DecidedBy      string        `json:"decidedBy,omitempty"`    //
	DecidedAt      time.Time     `json:"decidedAt,omitzero"`     //
	Grant          int64         `json:"grant,omitempty"`        // the grant made on approval
	CreatedBy      string        `json:"createdBy"`              //
	CreatedAt      time.Time     `json:"createdAt"`              //
	UpdatedAt      time.Time     `json:"updatedAt"`              //
	ConsumerName   string        `json:"consumerName,omitempty"` // filled for display
	ProviderName   string        `json:"providerName,omitempty"` // filled for display
}

// ShareRequestFilter selects share requests; zero fields match everything.
type ShareRequestFilter struct {
	Consumer      string
	Provider      string
	Resource      string
	Status        RequestStatus
	Escalated     bool // only escalated ones
	Offset, Limit int
}

// GrantStatus is the state of a grant.
type GrantStatus string

// Grant states. A grant past its Until date reads as expired whatever its
// stored state.
const (
	GrantActive  GrantStatus = "active"  // 有效
	GrantRevoked GrantStatus = "revoked" // 已撤销
	GrantExpired GrantStatus = "expired" // 已到期
)

// Grant is the right of a consumer department to use items of a resource
// (共享授权): for some uses, over subjects of one jurisdiction, until a
// date, within a daily quota and a rate limit.
type Grant struct {
	ID           int64       `json:"id"`
	Resource     string      `json:"resource"`
	ResourceName string      `json:"resourceName"`
	Provider     string      `json:"provider"`
	Consumer     string      `json:"consumer"`
	Items        []string    `json:"items"`                // item codes (names for items without a code)
	PlainItems   []string    `json:"plainItems,omitempty"` // sensitive items returned unmasked
	Uses         []string    `json:"uses"`
	Purpose      string      `json:"purpose"`
	LegalBasis   string      `json:"legalBasis,omitempty"`
	Jurisdiction string      `json:"jurisdiction"` // subjects reachable: this division and below
	From         time.Time   `json:"from"`
	Until        time.Time   `json:"until"`
	DailyQuota   int         `json:"dailyQuota"` // subjects a day (a batch of n keys counts n); 0 = no limit
	RatePerSec   float64     `json:"ratePerSec"` // requests a second per instance; 0 = no limit
	Request      int64       `json:"request,omitempty"`
	Standing     bool        `json:"standing,omitempty"` // made at once for an unconditional resource
	Status       GrantStatus `json:"status"`
	RevokedAt    time.Time   `json:"revokedAt,omitzero"`
	RevokedBy    string      `json:"revokedBy,omitempty"`
	RevokeReason string      `json:"revokeReason,omitempty"`
	CreatedBy    string      `json:"createdBy"`
	CreatedAt    time.Time   `json:"createdAt"`
	UpdatedAt    time.Time   `json:"updatedAt"`
	ConsumerName string      `json:"consumerName,omitempty"`
	ProviderName string      `json:"providerName,omitempty"`
}

// StatusAt returns the grant's state at t: expired once Until has passed.
func (g *Grant) StatusAt(t time.Time) GrantStatus {
	if g.Status == GrantActive && !g.Until.IsZero() && !t.Before(g.Until) {
		return GrantExpired
	}
	return g.Status
}

// Allows reports whether the grant includes use u.
func (g *Grant) Allows(u string) bool { return slices.Contains(g.Uses, u) }

// HasItem reports whether the grant includes item (by code or name key).
func (g *Grant) HasItem(item string) bool { return slices.Contains(g.Items, item) }

// GrantFilter selects grants; zero fields match everything.
type GrantFilter struct {
	Consumer      string
	Provider      string
	Resource      string
	Status        GrantStatus // active matches only grants not yet expired
	Offset, Limit int
}

// Subscription is a grant's change feed: a JetStream subject every change
// of a subject in scope is published on (masked to the granted items), and
// optionally a webhook the platform posts each change to.
type Subscription struct {
	Grant        int64     `json:"grant"`
	Subject      string    `json:"subject"` // NATS subject
	Stream       string    `json:"stream"`  // JetStream stream holding it
	Durable      string    `json:"durable"` // suggested durable consumer name
	Webhook      string    `json:"webhook,omitempty"`
	Active       bool      `json:"active"`
	Cursor       int64     `json:"cursor"` // last change sequence published
	CreatedBy    string    `json:"createdBy"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	LastError    string    `json:"lastError,omitempty"`
	LastDelivery time.Time `json:"lastDelivery,omitzero"`
}

// FeedChange is one record change as a grant's subscriber sees it: the key,
// the granted items (masked by rule), and whether the record was deleted.
// Cursor is the change sequence: ask for changes after it.
type FeedChange struct {
	Grant    int64             `json:"grant"`
	Resource string            `json:"resource"`
	Key      string            `json:"key"`
	Data     map[string]string `json:"data,omitempty"`
	Deleted  bool              `json:"deleted,omitempty"`
	Cursor   int64             `json:"cursor"`
	At       time.Time         `json:"at"`
}

// Usage is one use of shared data as the audit trail recorded it, for the
// data-use record (数据使用记录) of a subject, a provider or a consumer.
type Usage struct {
	Chain          string    `json:"chain"`
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	Action         string    `json:"action"` // exchange.query, exchange.verify, exchange.export, exchange.deliver ...
	Actor          string    `json:"actor"`
	Department     string    `json:"department"`
	DepartmentName string    `json:"departmentName,omitempty"`
	Resource       string    `json:"resource"`
	ResourceName   string    `json:"resourceName,omitempty"`
	Grant          int64     `json:"grant,omitempty"`
	Items          []string  `json:"items,omitempty"`
	Purpose        string    `json:"purpose,omitempty"`
	Case           string    `json:"case,omitempty"`
	Result         string    `json:"result"`
	Reason         string    `json:"reason,omitempty"` // rule of a refusal
	Count          int       `json:"count,omitempty"`  // rows of an export
	LatencyMS      float64   `json:"latencyMs,omitempty"`
}

// UsageFilter selects uses; zero fields match everything the caller may see.
type UsageFilter struct {
	Resource      string
	Provider      string // uses of this department's resources
	Consumer      string // uses by this department
	Grant         int64
	Action        string
	From, To      time.Time
	Offset, Limit int
}

// Checkpoint is a signed statement by the platform that an audit chain
// had, at Seq, the head Hash. The signature is SM2 with SM3 (GB/T
// 32918.2-2016, GM/T 0009 default signer id) over the checkpoint's payload
// text, so stock OpenSSL verifies it.
type Checkpoint struct {
	Chain     string    `json:"chain"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	Key       string    `json:"key"`       // SM3 fingerprint of the signing public key
	Payload   string    `json:"payload"`   // the exact bytes signed
	Signature []byte    `json:"signature"` // DER SM2 signature
}
