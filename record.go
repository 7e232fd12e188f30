package huitong

import "time"

// Data aggregation and quality governance (数据归集与治理): departments
// deliver the data behind their table-mounted resources in batches; the
// platform validates every row against the catalog, keeps the current
// record of every subject with its history, scores the quality of each
// batch and resource, and routes disagreements between sources to the
// authoritative department (一数一源). The ingest and quality packages
// implement it; the records are read by (resource, key) through the store.

// Record is one subject's data in a table-mounted resource: the current
// version, or, from a history read, an earlier one. Data holds the values
// keyed by item code (the item name when the item has no code); empty
// values are left out. Key is the normalised key value: a citizen ID number
// (GB 11643) with an upper-case X, a credit code (GB 32100) upper case, or
// the trimmed text of another key.
type Record struct {
	Resource     string            `json:"resource"`
	Key          string            `json:"key"`
	Data         map[string]string `json:"data"`
	Jurisdiction string            `json:"jurisdiction"` // GB/T 2260 code from the key: ID address code, or USCC positions 3-8; "" otherwise
	Version      int               `json:"version"`      // 1 for the first write, +1 for every change
	Deleted      bool              `json:"deleted"`      // removed by a full delivery that left the key out
	Seq          int64             `json:"seq"`          // change sequence within the resource, increasing with every write
	Hash         string            `json:"hash"`         // SHA-256 of the canonical data
	Batch        int64             `json:"batch"`        // the batch that wrote this version
	ValidFrom    time.Time         `json:"validFrom"`    // when this version took effect on the platform
	ValidTo      time.Time         `json:"validTo,omitzero"`
	UpdatedAt    time.Time         `json:"updatedAt"`
}

// DeliveryMode says what a batch means for the keys it leaves out.
type DeliveryMode string

// Delivery modes. A full delivery (全量) is the whole resource: records
// whose keys it leaves out are marked deleted. An incremental one (增量)
// upserts its rows and leaves everything else alone.
const (
	ModeFull        DeliveryMode = "full"
	ModeIncremental DeliveryMode = "incremental"
)

// BatchStatus is the state of a batch.
type BatchStatus string

// Batch states. A running batch whose worker dies (crash, SIGKILL) is
// marked failed once its lease expires; rows it had acknowledged stay.
const (
	BatchRunning BatchStatus = "running"
	BatchDone    BatchStatus = "done"
	BatchFailed  BatchStatus = "failed"
)

// Batch is one delivery of data into a resource.
//
// Acknowledged rows: Accepted is persisted in the same transaction as the
// rows it counts, so at any moment, and after a crash, every row counted
// in Accepted is stored exactly once (inserted, updated or found
// unchanged); rows after it were never acknowledged.
type Batch struct {
	ID          int64         `json:"id"`
	Resource    string        `json:"resource"`
	Provider    string        `json:"provider"`
	Source      string        `json:"source"` // upload, api, cli, pull, demo
	Format      string        `json:"format"` // csv, xlsx, ndjson, sql
	Mode        DeliveryMode  `json:"mode"`
	FileName    string        `json:"fileName,omitempty"`
	Sheet       string        `json:"sheet,omitempty"`
	Encoding    string        `json:"encoding,omitempty"` // utf-8, gb18030, utf-16le ...
	Size        int64         `json:"size"`               // bytes read
	ContentHash string        `json:"contentHash,omitempty"`
	Status      BatchStatus   `json:"status"`
	Received    int           `json:"received"`  // data rows read
	Accepted    int           `json:"accepted"`  // rows that passed validation and are stored
	Rejected    int           `json:"rejected"`  // rows refused, each with at least one Reject
	Inserted    int           `json:"inserted"`  // accepted rows that created a record
	Updated     int           `json:"updated"`   // accepted rows that changed a record
	Unchanged   int           `json:"unchanged"` // accepted rows identical to the record: nothing written
	Deleted     int           `json:"deleted"`   // records a full delivery marked deleted
	Warnings    int           `json:"warnings"`  // accepted rows with a consistency warning
	DuplicateOf int64         `json:"duplicateOf,omitempty"`
	Report      BatchReport   `json:"report"`
	Quality     *QualityScore `json:"quality,omitempty"`
	Error       string        `json:"error,omitempty"`
	CreatedBy   string        `json:"createdBy"`
	StartedAt   time.Time     `json:"startedAt"`
	FinishedAt  time.Time     `json:"finishedAt,omitzero"`
}

// BatchReport is what the pipeline noticed besides rejects: columns it
// could not map, items the file lacks, light cleaning applied, other
// sheets left unread, and why deletions of a full delivery were skipped.
type BatchReport struct {
	Columns        []string   `json:"columns,omitempty"`        // header as read
	UnknownColumns []string   `json:"unknownColumns,omitempty"` // columns matching no item name or code
	MissingItems   []string   `json:"missingItems,omitempty"`   // items with no column
	Cleaning       []Cleaning `json:"cleaning,omitempty"`
	OtherSheets    []string   `json:"otherSheets,omitempty"`
	SkippedRows    int        `json:"skippedRows,omitempty"` // title rows above the header, blank rows
	Notes          []string   `json:"notes,omitempty"`
	Duplicates     int        `json:"duplicates,omitempty"`     // rows repeating a key seen earlier in the batch
	NearDuplicates int        `json:"nearDuplicates,omitempty"` // resource records in near-duplicate groups after the batch
	Disputes       int        `json:"disputes,omitempty"`       // disputes opened by the batch
}

// Cleaning counts one kind of light cleaning applied to one item: trim,
// fullwidth (full-width digits and letters to half-width), upper_x (lower
// case x in an ID number), upper (credit code letters), date_format,
// datetime_format, number_format, bool_format, mobile_format, excel_date,
// merged (a merged Excel cell's value copied into the cells it covers).
type Cleaning struct {
	Item  string `json:"item"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Reject is one rule a row broke. Row is the row number as the provider
// sees it: the header is row 1 of a CSV file, Excel rows keep their sheet
// numbers, JSON lines count from 1. Item is the item (name) or "" for the whole row;
// Rule a stable machine name (required, length, type, charset, enum,
// citizen_id.checkdigit, uscc.address, duplicate, encoding, columns ...);
// Severity is "reject" for refused rows and "warning" for accepted rows
// with a consistency problem.
type Reject struct {
	Batch    int64  `json:"batch,omitempty"`
	Row      int    `json:"row"`
	Item     string `json:"item"`
	Rule     string `json:"rule"`
	Value    string `json:"value"`
	Message  string `json:"message"`
	Severity string `json:"severity,omitempty"`
	// Cells is the row as delivered, aligned with the batch's columns; set
	// on the first reject of each row.
	Cells []string `json:"cells,omitempty"`
}

// Reject severities.
const (
	SeverityReject  = "reject"
	SeverityWarning = "warning"
)

// QualityScore is a quality assessment (after GB/T 36344-2018's
// dimensions), each dimension from 0 to 100:
//   - completeness: share of item values filled in;
//   - validity: share of rows that passed every rule;
//   - uniqueness: share of rows that are not duplicates (same key, or same
//     normalised name and birth date under another key);
//   - consistency: share of rows that agree with themselves (birth date and
//     sex against the ID number) and with the authoritative source;
//   - timeliness: delivered within the declared update cycle.
//
// Overall is their mean.
type QualityScore struct {
	Resource     string    `json:"resource,omitempty"`
	Batch        int64     `json:"batch,omitempty"`
	At           time.Time `json:"at"`
	Records      int       `json:"records"`
	Completeness float64   `json:"completeness"`
	Validity     float64   `json:"validity"`
	Uniqueness   float64   `json:"uniqueness"`
	Consistency  float64   `json:"consistency"`
	Timeliness   float64   `json:"timeliness"`
	Overall      float64   `json:"overall"`
}

// DataElement is an entry of the platform's data element register (数据元,
// GB/T 19488): what an item means, how its values are checked and which
// department is the authoritative source (一数一源). An item refers to an
// element through its DataElement field, else through its code or name,
// matched against Code and Aliases.
type DataElement struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Aliases   []string  `json:"aliases,omitempty"`
	Rule      string    `json:"rule,omitempty"`      // citizen_id, uscc, division, mobile, phone, date, datetime, enum:a,b,c
	Role      string    `json:"role,omitempty"`      // name, birthdate or sex: used to find near duplicates and check records
	Authority string    `json:"authority,omitempty"` // credit code of the authoritative department
	UpdatedBy string    `json:"updatedBy,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// DisputeStatus is the state of a dispute.
type DisputeStatus string

// Dispute states: open until the authoritative department answers;
// confirmed when it confirms its own value (the other source must correct);
// corrected when it corrects its value; resolved when the values agree
// again after a later delivery.
const (
	DisputeOpen      DisputeStatus = "open"
	DisputeConfirmed DisputeStatus = "confirmed"
	DisputeCorrected DisputeStatus = "corrected"
	DisputeResolved  DisputeStatus = "resolved"
)

// Dispute (疑义) is a disagreement between the authoritative source of a
// data element and another resource about one subject, routed to the
// authoritative department, which confirms or corrects by Deadline.
type Dispute struct {
	ID                int64         `json:"id"`
	Element           string        `json:"element"`
	ElementName       string        `json:"elementName"`
	Subject           string        `json:"subject"` // the key: citizen ID number or credit code
	Authority         string        `json:"authority"`
	AuthorityResource string        `json:"authorityResource"`
	AuthorityValue    string        `json:"authorityValue"`
	Resource          string        `json:"resource"` // the other resource
	Provider          string        `json:"provider"`
	Value             string        `json:"value"`
	Status            DisputeStatus `json:"status"`
	Overdue           bool          `json:"overdue,omitempty"`
	Deadline          time.Time     `json:"deadline"`
	Answer            string        `json:"answer,omitempty"`
	CorrectedValue    string        `json:"correctedValue,omitempty"`
	AnsweredBy        string        `json:"answeredBy,omitempty"`
	AnsweredAt        time.Time     `json:"answeredAt,omitzero"`
	CreatedAt         time.Time     `json:"createdAt"`
	UpdatedAt         time.Time     `json:"updatedAt"`
}

// DisputeFilter selects disputes; zero fields match everything.
type DisputeFilter struct {
	Status        DisputeStatus
	Department    string // routed to or about this department
	Authority     string // routed to this department
	Provider      string // about this department's resource
	Resource      string
	Element       string
	Subject       string
	Overdue       bool
	Offset, Limit int
}

// Pull is a scheduled pull of a resource's data from the department's own
// database (PostgreSQL or MySQL): a query run on a schedule, incremental by
// a change column when one is given. The DSN is stored sealed with the
// platform's master keyring and never shown again; DSNDisplay has the
// password removed.
type Pull struct {
	ID           int64        `json:"id"`
	Resource     string       `json:"resource"`
	Provider     string       `json:"provider"`
	Name         string       `json:"name"`
	Driver       string       `json:"driver"` // postgres or mysql
	DSN          string       `json:"-"`
	DSNDisplay   string       `json:"dsn"`
	Query        string       `json:"query"`
	ChangeColumn string       `json:"changeColumn,omitempty"`
	Mode         DeliveryMode `json:"mode"`
	Schedule     string       `json:"schedule"` // @every 1h, @hourly, @daily, @daily 02:30
	Cursor       string       `json:"cursor,omitempty"`
	CursorType   string       `json:"-"`
	Enabled      bool         `json:"enabled"`
	NextRunAt    time.Time    `json:"nextRunAt"`
	LastRunAt    time.Time    `json:"lastRunAt,omitzero"`
	LastBatch    int64        `json:"lastBatch,omitempty"`
	LastStatus   string       `json:"lastStatus,omitempty"`
	LastError    string       `json:"lastError,omitempty"`
	Runs         int          `json:"runs"`
	CreatedBy    string       `json:"createdBy"`
	CreatedAt    time.Time    `json:"createdAt"`
	UpdatedAt    time.Time    `json:"updatedAt"`
}

// DuplicateGroup is a set of records of one resource that look like the
// same subject under different keys: the same normalised name and birth
// (or founding) date.
type DuplicateGroup struct {
	Resource string    `json:"resource"`
	Name     string    `json:"name"`
	Date     string    `json:"date"`
	Keys     []string  `json:"keys"`
	FoundAt  time.Time `json:"foundAt"`
}
