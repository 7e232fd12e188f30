package huitong

import (
	"context"
	"strings"
	"time"
)

// Enumerations of the catalog, after 《政务信息资源目录编制指南(试行)》. Each
// enumeration's values are stable English identifiers used in the API; the
// Chinese labels are what people see.

// ShareType is 共享类型.
type ShareType string

// Share types.
const (
	ShareUnconditional ShareType = "unconditional" // 无条件共享
	ShareConditional   ShareType = "conditional"   // 有条件共享
	ShareNone          ShareType = "none"          // 不予共享
)

// OpenType is 是否向社会开放.
type OpenType string

// Open types.
const (
	OpenOpen        OpenType = "open"        // 无条件开放
	OpenConditional OpenType = "conditional" // 有条件开放
	OpenClosed      OpenType = "closed"      // 不予开放
)

// UpdateCycle is 更新周期.
type UpdateCycle string

// Update cycles.
const (
	CycleRealtime  UpdateCycle = "realtime"
	CycleDaily     UpdateCycle = "daily"
	CycleWeekly    UpdateCycle = "weekly"
	CycleMonthly   UpdateCycle = "monthly"
	CycleQuarterly UpdateCycle = "quarterly"
	CycleYearly    UpdateCycle = "yearly"
	CycleIrregular UpdateCycle = "irregular"
)

// Format is 信息资源格式.
type Format string

// Resource formats.
const (
	FormatFile        Format = "file"        // 电子文件
	FormatSpreadsheet Format = "spreadsheet" // 电子表格
	FormatDatabase    Format = "database"    // 数据库
	FormatImage       Format = "image"       // 图形图像
	FormatMedia       Format = "media"       // 流媒体
	FormatSelfDesc    Format = "selfdesc"    // 自描述格式
	FormatService     Format = "service"     // 服务接口
)

// ShareMethod is 共享方式.
type ShareMethod string

// Share methods.
const (
	MethodSystem   ShareMethod = "system"   // 系统对接
	MethodQuery    ShareMethod = "query"    // 联机查询
	MethodBrowse   ShareMethod = "browse"   // 在线浏览
	MethodService  ShareMethod = "service"  // 调用服务
	MethodDownload ShareMethod = "download" // 下载
	MethodCopy     ShareMethod = "copy"     // 拷贝
)

// ItemType is the data type of an item (信息项数据类型).
type ItemType string

// Item data types with their one-letter codes from the guide.
const (
	TypeString   ItemType = "C" // 字符型
	TypeNumber   ItemType = "N" // 数值型
	TypeMoney    ItemType = "Y" // 货币型
	TypeDate     ItemType = "D" // 日期型
	TypeDateTime ItemType = "T" // 日期时间型
	TypeBool     ItemType = "L" // 逻辑型
	TypeMemo     ItemType = "M" // 备注型
	TypeGeneral  ItemType = "G" // 通用型
	TypeDouble   ItemType = "B" // 双精度型
	TypeInteger  ItemType = "I" // 整型
	TypeFloat    ItemType = "F" // 浮点型
)

// KeyKind is what the key item of a resource identifies.
type KeyKind string

// Key kinds.
const (
	KeyCitizenID KeyKind = "citizen_id" // 公民身份号码, GB 11643
	KeyUSCC      KeyKind = "uscc"       // 统一社会信用代码, GB 32100
	KeyOther     KeyKind = "other"
)

// Status is the lifecycle state of one version of a catalog entry.
type Status string

// Lifecycle: draft -> submitted -> published, or rejected back to draft;
// a published version is superseded by the next published one or withdrawn.
const (
	StatusDraft      Status = "draft"      // 草稿
	StatusSubmitted  Status = "submitted"  // 待审核
	StatusPublished  Status = "published"  // 已发布
	StatusSuperseded Status = "superseded" // 已被新版本取代
	StatusWithdrawn  Status = "withdrawn"  // 已撤销
)

// MountKind is how the data behind a resource is held (挂接方式).
type MountKind string

// Mount kinds.
const (
	MountTable MountKind = "table" // a table hosted on the platform
	MountAPI   MountKind = "api"   // the department's own API, proxied by the platform
	MountFile  MountKind = "file"  // files
)

// PlatformSources are the APIs the platform itself serves to the exchange,
// by path: an API-mounted resource whose mount URL is one of these paths
// is answered in process rather than over HTTP, under the same grants,
// projection, masking and audit as a department's API.
var PlatformSources = map[string]string{
	"/api/v1/certificate-library": "电子证照库", // cert.LibraryPath
}

// Class is the top level of the classification (信息资源分类 类).
type Class string

// Classes: base, theme and department resources.
const (
	ClassBase       Class = "1" // 基础信息资源
	ClassTheme      Class = "2" // 主题信息资源
	ClassDepartment Class = "3" // 部门信息资源
)

// Classification is the 类/项/目/细目 position of a resource. Its code is the
// digits joined: class (1) + item (2) + category (3) + optional detail.
type Classification struct {
	Class    Class  `json:"class"`
	Item     string `json:"item"`
	Category string `json:"category"`
	Detail   string `json:"detail,omitempty"`
}

// Code returns the classification code, e.g. "301002".
func (c Classification) Code() string {
	return string(c.Class) + c.Item + c.Category + c.Detail
}

// Item is one 信息项 of a resource.
type Item struct {
	Name        string    `json:"name"`
	Code        string    `json:"code,omitempty"` // column name, e.g. "XM"
	Type        ItemType  `json:"type"`
	Length      int       `json:"length,omitempty"`
	Required    bool      `json:"required,omitempty"`
	Key         bool      `json:"key"`
	KeyKind     KeyKind   `json:"keyKind,omitempty"`
	Sensitive   bool      `json:"sensitive"`
	ShareType   ShareType `json:"shareType,omitempty"`
	OpenType    OpenType  `json:"openType,omitempty"`
	DataElement string    `json:"dataElement,omitempty"` // 数据元 identifier, GB/T 19488
	Description string    `json:"description,omitempty"`
}

// Mount says where the data behind a resource lives.
type Mount struct {
	Kind    MountKind `json:"kind"`
	Table   string    `json:"table,omitempty"`   // for table mounts: the platform table name
	URL     string    `json:"url,omitempty"`     // for api mounts: the provider's endpoint, or a PlatformSources path
	Method  string    `json:"method,omitempty"`  // for api mounts: GET or POST
	Path    string    `json:"path,omitempty"`    // for file mounts: where the files are
	Comment string    `json:"comment,omitempty"` // free text
}

// OnPlatform reports whether the mount is one of the platform's own
// sources (PlatformSources): an API mount whose URL is a path, not an
// http(s) address.
func (m *Mount) OnPlatform() bool {
	return m.Kind == MountAPI && strings.HasPrefix(m.URL, "/")
}

// Resource is one version of a catalog entry (信息资源目录条目).
type Resource struct {
	Code           string         `json:"code"`
	Version        int            `json:"version"`
	Status         Status         `json:"status"`
	Name           string         `json:"name"`
	Abstract       string         `json:"abstract"`
	Classification Classification `json:"classification"`
	Provider       string         `json:"provider"` // department USCC
	Format         Format         `json:"format"`
	ShareType      ShareType      `json:"shareType"`
	ShareCondition string         `json:"shareCondition,omitempty"`
	LegalBasis     string         `json:"legalBasis,omitempty"` // mandatory for 不予共享
	ShareMethods   []ShareMethod  `json:"shareMethods"`
	OpenType       OpenType       `json:"openType"`
	OpenCondition  string         `json:"openCondition,omitempty"`
	UpdateCycle    UpdateCycle    `json:"updateCycle"`
	Related        []string       `json:"related,omitempty"`
	Keywords       []string       `json:"keywords,omitempty"`
	Items          []Item         `json:"items"`
	Mount          Mount          `json:"mount"`

	// Set by the platform.
	Jurisdiction string    `json:"jurisdiction"` // provider's division code
	Level        Level     `json:"level"`        // provider's level
	ReviewNote   string    `json:"reviewNote,omitempty"`
	CreatedBy    string    `json:"createdBy"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	SubmittedAt  time.Time `json:"submittedAt,omitzero"`
	ReviewedBy   string    `json:"reviewedBy,omitempty"`
	PublishedAt  time.Time `json:"publishedAt,omitzero"`
}

// KeyItem returns the key item, or nil when the resource has none.
func (r *Resource) KeyItem() *Item {
	for i := range r.Items {
		if r.Items[i].Key {
			return &r.Items[i]
		}
	}
	return nil
}

// ResourceFilter selects catalog entries.
type ResourceFilter struct {
	Query          string // Chinese full text over name, abstract, items, keywords
	Provider       string
	Level          Level
	Class          Class
	Classification string // prefix of the classification code
	ShareType      ShareType
	OpenType       OpenType
	UpdateCycle    UpdateCycle
	Status         Status
	Offset, Limit  int
}

// Facet is one value of a facet with the number of matching entries.
type Facet struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ResourceList is a page of search results.
type ResourceList struct {
	Items  []*Resource        `json:"items"`
	Total  int                `json:"total"`
	Facets map[string][]Facet `json:"facets,omitempty"`
}

// Change is one recorded change to a catalog entry (who, when, what).
type Change struct {
	ID      int64     `json:"id"`
	Code    string    `json:"code"`
	Version int       `json:"version"`
	Action  string    `json:"action"` // create, update, submit, publish, reject, withdraw, revise, import
	Actor   string    `json:"actor"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// CatalogService is the resource catalog. Every method checks the principal
// in ctx: staff change only their own department's entries, reviewers of
// the data authority publish and reject, everyone in government reads
// published entries.
type CatalogService interface {
	// Create registers a new draft and fills r.Code, Version and timestamps.
	// EINVALID names every broken field; EFORBIDDEN for another department.
	Create(ctx context.Context, r *Resource) error
	// Update replaces the editable fields of the working version. Editing a
	// published entry opens a new draft version; the published one stays
	// served until the new one is published. ECONFLICT when under review.
	Update(ctx context.Context, code string, r *Resource) (*Resource, error)
	// Find returns the version of code the caller should see: the latest
	// version for the provider's own staff and reviewers, the published
	// version for everyone else. version > 0 asks for that version.
	Find(ctx context.Context, code string, version int) (*Resource, error)
	// Search finds entries visible to the caller, with facets.
	Search(ctx context.Context, f ResourceFilter) (*ResourceList, error)
	// Submit sends a draft for review.
	Submit(ctx context.Context, code string) (*Resource, error)
	// Publish approves a submitted version (reviewers only).
	Publish(ctx context.Context, code string) (*Resource, error)
	// Reject returns a submitted version to draft with a reason (reviewers only).
	Reject(ctx context.Context, code, reason string) (*Resource, error)
	// Withdraw takes a published entry out of the catalog, with a reason.
	Withdraw(ctx context.Context, code, reason string) (*Resource, error)
	// Versions lists every version of code, newest first.
	Versions(ctx context.Context, code string) ([]*Resource, error)
	// Changes lists the recorded changes of code, oldest first.
	Changes(ctx context.Context, code string) ([]*Change, error)
}
