package huitong

// Chinese labels of the catalog enumerations, as people see them. The keys
// are the API values.
var labels = map[string]map[string]string{
	"shareType":   {"unconditional": "无条件共享", "conditional": "有条件共享", "none": "不予共享"},
	"openType":    {"open": "无条件开放", "conditional": "有条件开放", "closed": "不予开放"},
	"updateCycle": {"realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度", "yearly": "每年", "irregular": "不定期"},
	"format":      {"file": "电子文件", "spreadsheet": "电子表格", "database": "数据库", "image": "图形图像", "media": "流媒体", "selfdesc": "自描述格式", "service": "服务接口"},
	"shareMethod": {"system": "系统对接", "query": "联机查询", "browse": "在线浏览", "service": "调用服务", "download": "下载", "copy": "拷贝"},
	"itemType":    {"C": "字符型", "N": "数值型", "Y": "货币型", "D": "日期型", "T": "日期时间型", "L": "逻辑型", "M": "备注型", "G": "通用型", "B": "双精度型", "I": "整型", "F": "浮点型"},
	"keyKind":     {"citizen_id": "公民身份号码", "uscc": "统一社会信用代码", "other": "其他"},
	"status":      {"draft": "草稿", "submitted": "待审核", "published": "已发布", "superseded": "已被新版本取代", "withdrawn": "已撤销"},
	"mount":       {"table": "平台库表", "api": "部门接口", "file": "文件"},
	"class":       {"1": "基础信息资源", "2": "主题信息资源", "3": "部门信息资源"},
	"level":       {"province": "省级", "prefecture": "市级", "county": "县级"},
}

// Label returns the Chinese label of value in the named enumeration
// (shareType, openType, updateCycle, format, shareMethod, itemType, keyKind,
// status, mount, class, level), or value itself when unknown.
func Label(enum, value string) string {
	if l, ok := labels[enum][value]; ok {
		return l
	}
	return value
}

// Valid reports whether value belongs to the named enumeration.
func Valid(enum, value string) bool {
	_, ok := labels[enum][value]
	return ok
}

// Values returns the values of an enumeration in a stable order.
func Values(enum string) []string {
	order := map[string][]string{
		"shareType":   {"unconditional", "conditional", "none"},
		"openType":    {"open", "conditional", "closed"},
		"updateCycle": {"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"},
		"format":      {"database", "spreadsheet", "file", "image", "media", "selfdesc", "service"},
		"shareMethod": {"system", "query", "browse", "service", "download", "copy"},
		"itemType":    {"C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"},
		"keyKind":     {"citizen_id", "uscc", "other"},
		"status":      {"draft", "submitted", "published", "superseded", "withdrawn"},
		"mount":       {"table", "api", "file"},
		"class":       {"1", "2", "3"},
		"level":       {"province", "prefecture", "county"},
	}
	return order[enum]
}
