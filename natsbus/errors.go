package natsbus

import "fmt"

// Error is a refusal caused by a bad configuration or a bad argument: it
// names the field, a stable machine-readable rule and a message in Chinese
// for the person who has to fix it. Callers map it to huitong's EINVALID.
type Error struct {
	Field   string // configuration field or argument, e.g. "StoreDir"
	Rule    string // stable rule name, e.g. "natsbus.store_dir_required"
	Message string // what was expected, in Chinese
}

// Error returns "natsbus: Field: Message [Rule]".
func (e *Error) Error() string {
	return fmt.Sprintf("natsbus: %s: %s [%s]", e.Field, e.Message, e.Rule)
}

// Rule names carried by *Error. They are stable: tests and callers may match on them.
const (
	RuleStoreDirRequired = "natsbus.store_dir_required"
	RuleStoreDirLocked   = "natsbus.store_dir_locked"
	RulePrefixCharset    = "natsbus.prefix_charset"
	RuleURLEmptyEntry    = "natsbus.url_empty_entry"
	RuleReplicasRange    = "natsbus.replicas_range"
	RuleNameCharset      = "natsbus.name_charset"
	RuleSubjectsRequired = "natsbus.subjects_required"
	RuleSubjectPrefix    = "natsbus.subject_outside_prefix"
	RuleSubjectInvalid   = "natsbus.subject_invalid"
	RuleMaxAgeNegative   = "natsbus.max_age_negative"
	RuleHandlerRequired  = "natsbus.handler_required"
)
