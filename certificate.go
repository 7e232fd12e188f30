package huitong

import (
	"context"
	"time"
)

// Electronic certificates (电子证照, GB/T 36901-36906) and electronic seals
// (电子印章, GB/T 38540-2020). The cert package implements CertService.

// HolderKind is who holds a certificate of a type.
type HolderKind string

// Holder kinds: a natural person identified by the citizen ID number
// (GB 11643), or an entity identified by its unified social credit code
// (GB 32100).
const (
	HolderPerson HolderKind = "person"
	HolderEntity HolderKind = "entity"
)

// Valid reports whether k is person or entity.
func (k HolderKind) Valid() bool { return k == HolderPerson || k == HolderEntity }

// IDType returns the 持证主体代码类型 of the kind: 111 for a citizen ID
// number, 001 for a unified social credit code (GB/T 36903; unconfirmed).
func (k HolderKind) IDType() string {
	if k == HolderEntity {
		return "001"
	}
	return "111"
}

// CertItem is one data item (信息项) of a certificate type. Values of every
// item are strings in the certificate; Type says how they are checked:
// C text, D date (YYYY-MM-DD), N number, I integer, Y money, L 是/否.
type CertItem struct {
	Code     string   `json:"code"` // key in the certificate's data, e.g. "jyfw"
	Name     string   `json:"name"` // label, e.g. 经营范围
	Type     ItemType `json:"type"`
	Length   int      `json:"length,omitempty"` // maximum runes; 0 = no limit
	Required bool     `json:"required,omitempty"`
}

// CertValidity is the validity rule of a type: certificates of a permanent
// type never expire (长期有效); otherwise the issuer gives the end date or
// the platform adds Months to the start date, and an end date beyond
// MaxMonths (when set) is refused.
type CertValidity struct {
	Permanent bool `json:"permanent,omitempty"`
	Months    int  `json:"months,omitempty"`
	MaxMonths int  `json:"maxMonths,omitempty"`
}

// CertLayout is how a certificate of the type is rendered: the title on the
// page, the accent colour, and the items in print order (all when empty).
type CertLayout struct {
	Title       string   `json:"title,omitempty"`
	Color       string   `json:"color,omitempty"` // #RRGGBB
	Items       []string `json:"items,omitempty"`
	Orientation string   `json:"orientation,omitempty"` // portrait (default) or landscape
}

// IssuerRule authorises every department at Level whose name ends with
// NameSuffix (any name when empty) to issue a type.
type IssuerRule struct {
	Level      Level  `json:"level"`
	NameSuffix string `json:"nameSuffix,omitempty"`
}

// CertType is a certificate type (证照类型, GB/T 36902). Code is the
// defining body's unified social credit code plus a 3-digit sequence (21
// characters, GB/T 36904). A department may issue the type when it is
// listed in Issuers or matches one of IssuerRules.
type CertType struct {
	Code        string       `json:"code"`
	Name        string       `json:"name"`
	Definer     string       `json:"definer"`     // USCC of the defining body (first 18 characters of Code)
	DefinerName string       `json:"definerName"` // e.g. 国家市场监督管理总局
	HolderKind  HolderKind   `json:"holderKind"`
	Items       []CertItem   `json:"items"`
	Validity    CertValidity `json:"validity"`
	Layout      CertLayout   `json:"layout"`
	Issuers     []string     `json:"issuers,omitempty"`
	IssuerRules []IssuerRule `json:"issuerRules,omitempty"`
	Retired     bool         `json:"retired,omitempty"` // no new certificates; existing ones stay valid
	CreatedBy   string       `json:"createdBy"`
	CreatedAt   time.Time    `json:"createdAt"`
	UpdatedAt   time.Time    `json:"updatedAt"`
}

// SealType is the kind of an electronic seal (GB/T 38540 印章类型).
type SealType string

// Seal types.
const (
	SealOfficial    SealType = "official"    // 单位公章 (法定名称章)
	SealCertificate SealType = "certificate" // 电子证照专用章
	SealBusiness    SealType = "business"    // 业务专用章
)

// Valid reports whether t is a known seal type.
func (t SealType) Valid() bool {
	return t == SealOfficial || t == SealCertificate || t == SealBusiness
}

// SealStatus is the state of a seal.
type SealStatus string

// Seal states: an active seal signs; a retired one (replaced by rotation)
// no longer signs but still verifies what it signed; a revoked one signs
// nothing and what it signed after RevokedAt is invalid.
const (
	SealActive  SealStatus = "active"
	SealRetired SealStatus = "retired"
	SealRevoked SealStatus = "revoked"
)

// Seal is a department's electronic seal (GB/T 38540 SESeal): an SM2 key
// pair generated on the platform (the private key sealed at rest), the seal
// information, and the picture, signed by the platform as seal maker.
type Seal struct {
	ID           string     `json:"id"` // department USCC + 4-digit sequence
	Department   string     `json:"department"`
	Name         string     `json:"name"`
	Type         SealType   `json:"type"`
	Status       SealStatus `json:"status"`
	ValidFrom    time.Time  `json:"validFrom"`
	ValidTo      time.Time  `json:"validTo"`
	PublicKey    string     `json:"publicKey"`   // PEM
	Fingerprint  string     `json:"fingerprint"` // SM3 of the public key DER, hex
	PictureSM3   string     `json:"pictureSm3"`  // SM3 of the PNG picture, hex
	Previous     string     `json:"previous,omitempty"`
	MakerSig     string     `json:"makerSignature"` // base64 DER SM2 signature of the seal info by the platform
	CreatedBy    string     `json:"createdBy"`
	CreatedAt    time.Time  `json:"createdAt"`
	RetiredAt    time.Time  `json:"retiredAt,omitzero"`
	RevokedAt    time.Time  `json:"revokedAt,omitzero"`
	RevokeReason string     `json:"revokeReason,omitempty"`
}

// CertStatus is the state of a certificate at a moment.
type CertStatus string

// Certificate states. Expired is computed from ValidTo at reading time.
const (
	CertValid      CertStatus = "valid"
	CertExpired    CertStatus = "expired"
	CertRevoked    CertStatus = "revoked"
	CertSuperseded CertStatus = "superseded"
)

// Label returns the Chinese name of the status.
func (s CertStatus) Label() string {
	switch s {
	case CertValid:
		return "有效"
	case CertExpired:
		return "已过期"
	case CertRevoked:
		return "已注销"
	case CertSuperseded:
		return "已被新版本取代"
	}
	return string(s)
}

// Certificate is one issued certificate (one version). Payload is the
// signed canonical JSON and Signature the DER SM2-with-SM3 signature over it
// by the seal SealID; the other fields repeat what the payload says, for
// queries.
type Certificate struct {
	ID           string            `json:"id"` // GB/T 36904 identifier
	TypeCode     string            `json:"typeCode"`
	TypeName     string            `json:"typeName"`
	Serial       string            `json:"serial"`
	Version      int               `json:"version"`
	Issuer       string            `json:"issuer"`
	IssuerName   string            `json:"issuerName"`
	Jurisdiction string            `json:"jurisdiction"`
	HolderKind   HolderKind        `json:"holderKind"`
	HolderName   string            `json:"holderName"`
	HolderID     string            `json:"holderId"`
	Data         map[string]string `json:"data"`
	IssuedAt     time.Time         `json:"issuedAt"`
	ValidFrom    time.Time         `json:"validFrom"`
	ValidTo      time.Time         `json:"validTo,omitzero"` // the instant it expires: midnight (China time) after the last valid day; zero: 长期有效
	SealID       string            `json:"sealId"`
	Status       CertStatus        `json:"status"`
	RevokedAt    time.Time         `json:"revokedAt,omitzero"`
	RevokeReason string            `json:"revokeReason,omitempty"`
	SupersededBy string            `json:"supersededBy,omitempty"`
	Source       string            `json:"source,omitempty"` // what led to it: a case number, a batch
	CreatedBy    string            `json:"createdBy"`
	Payload      []byte            `json:"-"`
	Signature    []byte            `json:"-"`
}

// StatusAt returns the certificate's status at t: revoked or superseded as
// stored, expired once t is past ValidTo, else valid.
func (c *Certificate) StatusAt(t time.Time) CertStatus {
	if c.Status != CertValid && c.Status != "" {
		return c.Status
	}
	if !c.ValidTo.IsZero() && !t.Before(c.ValidTo) {
		return CertExpired
	}
	return CertValid
}

// CertFilter selects certificates; zero fields match everything.
type CertFilter struct {
	Holder        string // holder ID
	Issuer        string
	TypeCode      string
	Status        CertStatus // stored status: valid, revoked, superseded
	Offset, Limit int
}

// CertList is a page of certificates.
type CertList struct {
	Items []*Certificate `json:"items"`
	Total int            `json:"total"`
}

// IssueRequest asks for one certificate. Serial is optional (the platform
// numbers it); ValidFrom defaults to the issue date and ValidTo follows the
// type's validity rule.
type IssueRequest struct {
	TypeCode   string            `json:"type"`
	Issuer     string            `json:"issuer,omitempty"` // default: the caller's department
	Serial     string            `json:"serial,omitempty"`
	HolderName string            `json:"holderName"`
	HolderID   string            `json:"holderId"`
	Data       map[string]string `json:"data"`
	ValidFrom  string            `json:"validFrom,omitempty"` // YYYY-MM-DD
	ValidTo    string            `json:"validTo,omitempty"`   // YYYY-MM-DD
	Source     string            `json:"source,omitempty"`
}

// CertService is the certificate library. Every method checks the
// principal in ctx; verification needs none.
type CertService interface {
	// Issue signs and stores one certificate with the issuer's active seal.
	// EINVALID names every broken field; EFORBIDDEN when the department is
	// not authorised for the type; ECONFLICT when it has no usable seal or
	// the serial is taken.
	Issue(ctx context.Context, req *IssueRequest) (*Certificate, error)
	// Find returns one certificate; the holder is masked for callers other
	// than the issuer and operators.
	Find(ctx context.Context, id string) (*Certificate, error)
	// Revoke ends a certificate with a reason (issuer staff or operators).
	Revoke(ctx context.Context, id, reason string) (*Certificate, error)
}
