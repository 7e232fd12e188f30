package natsbus

import (
	"log/slog"
	"strings"
)

// DefaultPrefix is the subject and stream name prefix used when Config.Prefix is empty.
const DefaultPrefix = "huitong"

// Config says where the bus is. The zero value plus a StoreDir runs an
// embedded NATS server inside the process; a URL connects to an external
// NATS JetStream cluster instead. The rest of huitong cannot tell the two apart.
type Config struct {
	// URL is "" for the embedded server, else one NATS URL or a
	// comma-separated list, e.g. "nats://127.0.0.1:4222".
	URL string
	// StoreDir is where the embedded server keeps its JetStream files.
	// Required when URL is ""; ignored otherwise.
	StoreDir string
	// Name is the client connection name shown by the server's monitoring.
	Name string
	// Prefix starts every subject (Prefix.x.y) and every stream name
	// (Prefix_name), so several deployments and parallel tests can share one
	// cluster. One token of letters, digits, '_' or '-'; default "huitong".
	Prefix string
	// Replicas is the number of copies of each stream EnsureStream creates.
	// Default 1; the embedded server is a single node and allows only 1.
	Replicas int
	// Logger receives connection events, consumer errors and the embedded
	// server's warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Embedded reports whether this configuration runs the in-process server.
func (c Config) Embedded() bool { return strings.TrimSpace(c.URL) == "" }

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Name == "" {
		c.Name = "huitong"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate checks the configuration after defaults are applied and returns
// an *Error naming the first field that is wrong.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Embedded() {
		if strings.TrimSpace(c.StoreDir) == "" {
			return &Error{Field: "StoreDir", Rule: RuleStoreDirRequired,
				Message: "内嵌 NATS 服务器需要 JetStream 存储目录（URL 为空时 StoreDir 必填）"}
		}
		if c.Replicas != 1 {
			return &Error{Field: "Replicas", Rule: RuleReplicasRange,
				Message: "内嵌 NATS 服务器只有一个节点，副本数只能为 1"}
		}
	} else {
		for i, u := range strings.Split(c.URL, ",") {
			if strings.TrimSpace(u) == "" {
				return &Error{Field: "URL", Rule: RuleURLEmptyEntry,
					Message: "逗号分隔的服务器地址列表中第 " + itoa(i+1) + " 项为空"}
			}
		}
		if c.Replicas < 1 || c.Replicas > 5 {
			return &Error{Field: "Replicas", Rule: RuleReplicasRange,
				Message: "流副本数应在 1 到 5 之间（JetStream 上限为 5），实际为 " + itoa(c.Replicas)}
		}
	}
	if !validToken(c.Prefix) {
		return &Error{Field: "Prefix", Rule: RulePrefixCharset,
			Message: "前缀只能是一个由字母、数字、'_' 或 '-' 组成的词，实际为 " + quote(c.Prefix)}
	}
	return nil
}
