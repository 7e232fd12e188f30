package demo

import (
	"strings"
	"sync"

	"huitong"
)

// dataKind says what a template's data is about, which decides how it is
// shared and whether it is opened to the public.
type dataKind int

const (
	personal dataKind = iota // about identifiable people: never opened, often conditional
	public                   // licences and registers the law makes public: often opened
	stats                    // aggregates: usually opened
	internal                 // government working data: rarely opened
)

// template is the pattern of one kind of catalog entry. Every department of
// a domain draws from the same templates, so an entry's classification is
// the same wherever it is registered.
type template struct {
	names    []string // the usual name first, then variants used when a department registers it again
	cls      string   // classification code: 类 (1) + 项 (2) + 目 (3)
	abstract string   // two sentences; {area} becomes 全省, 兰州市, 城关区 ...
	items    string   // item names from itemTable, "*" marks the key
	keywords string
	slug     string // path of the provider's API
	cycle    huitong.UpdateCycle
	kind     dataKind
	legal    string // the law cited when the entry is not shared, besides the default
	limited  bool   // the abstract limits who may use it: never shared unconditionally
}

// announced reports whether the abstract says the data is made public, in
// which case the entry is opened and shared.
func (t *template) announced() bool {
	if t.kind != public && t.kind != stats {
		return false
	}
	for _, w := range []string{"向社会", "公开", "开放"} {
		if strings.Contains(t.abstract, w) {
			return true
		}
	}
	return false
}

// Classification codes, after 《政务信息资源目录编制指南(试行)》: class 1 holds
// the base resources (项 01 人口, 02 法人单位, 03 自然资源和空间地理, 04 社会信用,
// 05 电子证照), class 2 the themes (01 社会保障, 02 健康保障, 03 教育文化,
// 04 城乡建设, 05 生态环境, 06 安全生产与应急, 07 交通出行, 08 市场监管,
// 09 乡村振兴, 10 政务服务), class 3 the department resources with 项 the
// department's number in the domain table below.

// domain is the templates of one kind of department.
type domain struct {
	key       string
	templates []template
}

// Laws cited for entries that are not shared (不予共享).
const (
	lawPIPL   = "《中华人民共和国个人信息保护法》第十三条、第三十四条：国家机关处理个人信息应当依照法律、行政法规规定的权限、程序进行，不得超出履行法定职责所必需的范围和限度。"
	lawDSL    = "《中华人民共和国数据安全法》第三十八条：国家机关对在履行职责中知悉的个人隐私、个人信息、商业秘密、保密商务信息等数据应当依法予以保密，不得泄露或者非法向他人提供。"
	lawIDCard = "《中华人民共和国居民身份证法》第六条：公安机关及其人民警察对因制作、发放、查询、核查居民身份证而知悉的公民的个人信息，应当予以保密。"
	lawTax    = "《中华人民共和国税收征收管理法》第八条：税务机关应当依法为纳税人、扣缴义务人的情况保密。"
	lawHealth = "《中华人民共和国基本医疗卫生与健康促进法》第九十二条：国家保护公民个人健康信息，确保公民个人健康信息安全。"
	lawMinor  = "《中华人民共和国未成年人保护法》第七十二条：信息处理者处理未成年人个人信息，应当遵循合法、正当和必要的原则。"
)

// domains returns the template table, keyed by domain.
var domains = sync.OnceValue(func() map[string]*domain {
	list := []*domain{
		{key: "ga", templates: []template{
			{names: []string{"户籍人口基本信息", "常住户籍人口登记信息"}, cls: "101001", kind: personal, cycle: huitong.CycleDaily, slug: "hukou", legal: lawIDCard,
				abstract: "汇集{area}公安机关户籍管理系统登记的户籍人口基本信息，包括姓名、公民身份号码、性别、民族、出生日期和户籍地址等。用于政务服务中的身份核验、人口统计分析和社会救助对象比对。",
				items:    "*公民身份号码 姓名 性别 民族 出生日期 出生地 户号 与户主关系 户籍地址 文化程度 婚姻状况 户籍登记日期", keywords: "户籍 人口 户口 常住人口"},
			{names: []string{"居民身份证信息", "居民身份证签发信息"}, cls: "101002", kind: personal, cycle: huitong.CycleRealtime, slug: "idcard", legal: lawIDCard,
				abstract: "{area}公安机关签发的居民身份证信息，含证件有效期和签发机关。用于各部门办理业务时核验居民身份证真实性和有效性。",
				items:    "*公民身份号码 姓名 性别 民族 出生日期 户籍地址 签发机关 有效期起始日期 有效期截止日期 证件照片", keywords: "身份证 身份核验 证件"},
			{names: []string{"户口迁移信息", "户口迁入迁出登记信息"}, cls: "301001", kind: personal, cycle: huitong.CycleDaily, slug: "hukou/migration",
				abstract: "{area}户口迁入、迁出和户内变更的登记记录。供教育、社保、住房等部门办理随迁子女入学、社保关系转移时核实户籍变动情况。",
				items:    "*迁移业务编号 公民身份号码 姓名 迁移类型 迁出地址 迁入地址 迁移日期 办理机关", keywords: "户口迁移 迁入 迁出 户籍"},
			{names: []string{"居住证信息", "流动人口居住登记信息"}, cls: "301002", kind: personal, cycle: huitong.CycleDaily, slug: "residence-permit",
				abstract: "{area}公安机关办理的居住证申领、签注和居住登记信息。用于保障非户籍常住人口享受义务教育、就业和住房等基本公共服务。",
				items:    "*居住证编号 公民身份号码 姓名 性别 居住地址 居住事由 签发日期 有效期截止日期 签发机关 联系电话", keywords: "居住证 流动人口 居住登记"},
			{names: []string{"机动车登记信息", "机动车所有人登记信息"}, cls: "301003", kind: personal, cycle: huitong.CycleDaily, slug: "vehicle",
				abstract: "{area}公安交通管理部门登记的机动车注册、转移和注销信息。供税务、保险、交通运输和生态环境部门核查车辆状态和所有人。",
				items:    "*机动车登记编号 号牌号码 号牌种类 车辆品牌 车辆类型 车身颜色 所有人名称 所有人证件号码 初次登记日期 检验有效期止 机动车状态", keywords: "机动车 车辆 号牌"},
			{names: []string{"机动车驾驶证信息"}, cls: "301004", kind: personal, cycle: huitong.CycleDaily, slug: "driving-licence",
				abstract: "{area}核发的机动车驾驶证信息，含准驾车型、记分和证件状态。用于道路运输从业资格审核和驾驶人资格核验。",
				items:    "*驾驶证档案编号 公民身份号码 姓名 准驾车型 初次领证日期 有效期截止日期 累积记分 驾驶证状态 发证机关", keywords: "驾驶证 驾驶人 记分"},
			{names: []string{"出入境证件信息", "普通护照签发信息"}, cls: "301005", kind: personal, cycle: huitong.CycleDaily, slug: "exit-entry",
				abstract: "{area}公安出入境管理部门签发的护照、往来港澳台通行证等证件信息。供有关部门核查国家工作人员因私出入境证件情况。",
				items:    "*出入境证件号码 公民身份号码 姓名 证件类型 签发日期 有效期截止日期 签发机关", keywords: "护照 出入境 通行证"},
			{names: []string{"旅馆业特种行业许可信息"}, cls: "301006", kind: public, cycle: huitong.CycleWeekly, slug: "hotel-licence",
				abstract: "{area}公安机关核发的旅馆业特种行业许可证信息。供市场监管、文化旅游部门开展联合监管和游客住宿安全提示。",
				items:    "*许可证编号 统一社会信用代码 单位名称 法定代表人 经营地址 客房数 发证日期 有效期至 发证机关", keywords: "旅馆 特种行业 许可"},
			{names: []string{"死亡人口户籍注销信息"}, cls: "101003", kind: personal, cycle: huitong.CycleDaily, slug: "hukou/deregistration",
				abstract: "{area}因死亡注销户口的人员信息。用于养老金停发、社会救助退出和医保待遇终止等业务的及时比对。",
				items:    "*公民身份号码 姓名 性别 出生日期 死亡日期 注销日期 注销原因 户籍地址 办理机关", keywords: "死亡 户籍注销 养老金"},
		}},
		{key: "rs", templates: []template{
			{names: []string{"社会保险参保信息", "职工社会保险参保登记信息"}, cls: "201001", kind: personal, cycle: huitong.CycleMonthly, slug: "insurance/enrolment",
				abstract: "{area}参加企业职工基本养老、失业和工伤保险人员的参保登记和缴费基数信息。用于就业创业补贴审核、人才引进和公积金缴存核验。",
				items:    "*公民身份号码 姓名 性别 个人编号 参保单位名称 险种类型 参保状态 参保日期 缴费基数 参保地行政区划代码", keywords: "社保 参保 养老保险 缴费"},
			{names: []string{"养老保险待遇领取信息", "城乡居民养老保险待遇领取信息"}, cls: "201001", kind: personal, cycle: huitong.CycleMonthly, slug: "pension/benefit",
				abstract: "{area}按月领取基本养老保险待遇人员的领取标准和发放状态。供民政、卫健部门开展待遇资格认证和重复领取比对。",
				items:    "*公民身份号码 姓名 离退休类别 待遇开始日期 月领取金额 领取状态 发卡银行 社会保障卡号", keywords: "养老金 待遇领取 资格认证"},
			{names: []string{"社会保障卡信息"}, cls: "105001", kind: personal, cycle: huitong.CycleDaily, slug: "sscard",
				abstract: "{area}发放的社会保障卡（含电子社保卡）的卡号、状态和发卡银行信息。用于惠民惠农补贴“一卡通”发放和就医结算身份识别。",
				items:    "*社会保障卡号 公民身份号码 姓名 发卡日期 卡状态 发卡银行 有效期截止日期", keywords: "社保卡 一卡通 电子社保卡"},
			{names: []string{"失业保险金领取信息"}, cls: "201003", kind: personal, cycle: huitong.CycleMonthly, slug: "unemployment/benefit",
				abstract: "{area}领取失业保险金人员的领取期限、标准和状态。用于低保审核、就业困难人员认定中的收入核查。",
				items:    "*公民身份号码 姓名 失业登记日期 领取起始月份 领取期限 月领取金额 领取状态 经办机构", keywords: "失业保险金 失业 待遇"},
			{names: []string{"就业失业登记信息", "就业创业证登记信息"}, cls: "302001", kind: personal, cycle: huitong.CycleDaily, slug: "employment/registration",
				abstract: "{area}公共就业服务机构办理的就业登记和失业登记信息。供民政、住建部门核实申请人就业状况。",
				items:    "*登记编号 公民身份号码 姓名 登记类型 就业单位名称 就业形式 登记日期 登记机构 联系电话", keywords: "就业登记 失业登记 就业创业证"},
			{names: []string{"职业技能等级证书信息"}, cls: "105001", kind: personal, cycle: huitong.CycleWeekly, slug: "skill-certificate",
				abstract: "{area}经备案的评价机构颁发的职业技能等级证书信息。用于技能人才补贴申领和积分落户的证书核验。",
				items:    "*证书编号 公民身份号码 姓名 职业名称 技能等级 发证日期 评价机构", keywords: "职业技能 等级证书 技能人才"},
			{names: []string{"劳动保障监察行政处罚信息"}, cls: "104003", kind: public, cycle: huitong.CycleDaily, slug: "labour-penalty",
				abstract: "{area}人力资源社会保障行政部门作出的劳动保障监察行政处罚决定。按“双公示”要求归集至信用信息平台并向社会公示。",
				items:    "*行政处罚决定书文号 统一社会信用代码 当事人名称 违法行为类型 违法事实 处罚依据 处罚内容 罚款金额 处罚决定日期 处罚机关", keywords: "劳动保障监察 行政处罚 欠薪 双公示"},
			{names: []string{"工伤认定信息"}, cls: "201004", kind: personal, cycle: huitong.CycleDaily, slug: "injury/recognition",
				abstract: "{area}社会保险行政部门作出的工伤认定决定。供医保部门排除工伤医疗费用重复报销。",
				items:    "*工伤认定决定书编号 公民身份号码 姓名 用人单位名称 事故发生日期 认定结论 认定日期 认定机构", keywords: "工伤 认定 工伤保险"},
		}},
		{key: "scjg", templates: []template{
			{names: []string{"企业登记注册信息", "市场主体登记信息"}, cls: "102001", kind: public, cycle: huitong.CycleDaily, slug: "enterprise",
				abstract: "{area}市场监管部门登记的各类企业设立、变更和注销信息。是法人单位基础信息库的主要来源，供各部门核验市场主体身份和存续状态。",
				items:    "*统一社会信用代码 企业名称 企业类型 法定代表人 注册资本 成立日期 住所 经营范围 登记机关 登记状态 核准日期 营业期限至", keywords: "企业登记 市场主体 法人 工商"},
			{names: []string{"营业执照信息", "电子营业执照信息"}, cls: "105002", kind: public, cycle: huitong.CycleRealtime, slug: "business-licence",
				abstract: "{area}核发的营业执照（含电子营业执照）照面信息。用于政务服务“免提交”核验，申请人无需再提交纸质营业执照复印件。",
				items:    "*统一社会信用代码 企业名称 企业类型 法定代表人 注册资本 成立日期 营业期限至 住所 经营范围 登记机关 发照日期", keywords: "营业执照 电子营业执照 免提交"},
			{names: []string{"个体工商户登记信息"}, cls: "102001", kind: personal, cycle: huitong.CycleDaily, slug: "individual-business",
				abstract: "{area}个体工商户的登记、变更和注销信息。供税务、人社部门核实经营者身份和经营状况。",
				items:    "*统一社会信用代码 个体工商户名称 经营者姓名 经营者公民身份号码 组成形式 经营场所 经营范围 登记日期 登记机关 登记状态", keywords: "个体工商户 个体户 登记"},
			{names: []string{"市场监管行政处罚信息", "行政处罚信息"}, cls: "104003", kind: public, cycle: huitong.CycleDaily, slug: "penalty",
				abstract: "{area}市场监管部门作出的行政处罚决定信息。依据《企业信息公示暂行条例》记于企业名下并向社会公示。",
				items:    "*行政处罚决定书文号 统一社会信用代码 当事人名称 违法行为类型 违法事实 处罚依据 处罚内容 罚款金额 处罚决定日期 处罚机关 公示截止期", keywords: "行政处罚 市场监管 公示 双公示"},
			{names: []string{"食品经营许可信息", "食品生产经营许可信息"}, cls: "208001", kind: public, cycle: huitong.CycleDaily, slug: "food-licence",
				abstract: "{area}核发的食品经营许可证信息，含主体业态和经营项目。供教育、文旅部门查验学校食堂、景区餐饮单位资质。",
				items:    "*许可证编号 统一社会信用代码 经营者名称 法定代表人 经营场所 主体业态 经营项目 发证日期 有效期至 发证机关", keywords: "食品经营许可 食品安全 餐饮"},
			{names: []string{"特种设备使用登记信息"}, cls: "208003", kind: internal, cycle: huitong.CycleWeekly, slug: "special-equipment",
				abstract: "{area}电梯、锅炉、压力容器等特种设备的使用登记和定期检验信息。供应急管理、住建部门开展安全隐患排查。",
				items:    "*使用登记证编号 设备类别 设备品种 使用单位名称 统一社会信用代码 设备使用地点 登记日期 检验有效期至 登记机关", keywords: "特种设备 电梯 锅炉 安全"},
			{names: []string{"经营异常名录信息"}, cls: "104002", kind: public, cycle: huitong.CycleDaily, slug: "abnormal-list",
				abstract: "{area}被列入和移出经营异常名录的企业信息。用于政府采购、招投标和评优评先中的信用审查。",
				items:    "*统一社会信用代码 企业名称 列入经营异常名录原因 列入日期 作出决定机关 移出日期 移出原因", keywords: "经营异常 信用 名录"},
			{names: []string{"药品经营许可信息", "药品零售企业许可信息"}, cls: "208002", kind: public, cycle: huitong.CycleWeekly, slug: "drug-licence",
				abstract: "{area}药品批发、零售企业的药品经营许可证信息。供医保部门开展定点零售药店协议管理时核验资质。",
				items:    "*许可证编号 统一社会信用代码 企业名称 法定代表人 企业负责人 质量负责人 注册地址 经营范围 发证日期 有效期至 发证机关", keywords: "药品经营许可 药店 药品"},
		}},
		{key: "sw", templates: []template{
			{names: []string{"纳税人登记信息", "纳税人基础信息"}, cls: "102004", kind: internal, cycle: huitong.CycleDaily, slug: "taxpayer", legal: lawTax,
				abstract: "全省纳税人的税务登记、主管税务机关和纳税人状态信息。供市场监管、人社部门开展企业开办和注销“一网通办”业务协同。",
				items:    "*统一社会信用代码 纳税人名称 纳税人状态 登记注册类型 法定代表人 生产经营地址 行业 主管税务机关 登记日期", keywords: "纳税人 税务登记 企业"},
			{names: []string{"纳税信用等级信息", "纳税信用A级纳税人名单"}, cls: "104001", kind: public, cycle: huitong.CycleYearly, slug: "tax-credit",
				abstract: "全省纳税人的年度纳税信用评价结果，A级纳税人名单依法向社会公开。用于银行“银税互动”信贷和守信激励。",
				items:    "*统一社会信用代码 纳税人名称 评价年度 信用等级 评价日期 主管税务机关", keywords: "纳税信用 A级纳税人 银税互动"},
			{names: []string{"欠税公告信息"}, cls: "104002", kind: public, cycle: huitong.CycleQuarterly, slug: "tax-arrears",
				abstract: "全省税务机关依法公告的欠缴税款纳税人信息。供政府采购和招投标环节开展信用审查。",
				items:    "*统一社会信用代码 纳税人名称 法定代表人 生产经营地址 欠税税种 欠税余额 当期新发生欠税金额 公告日期 主管税务机关", keywords: "欠税 公告 信用"},
			{names: []string{"增值税发票开具汇总信息"}, cls: "304001", kind: internal, cycle: huitong.CycleMonthly, slug: "vat-invoice/summary", legal: lawTax,
				abstract: "全省纳税人按月汇总的增值税发票开具份数和金额。用于统计部门经济运行监测和发改部门重点企业运行分析。",
				items:    "*统一社会信用代码 纳税人名称 所属期 开具发票份数 金额合计 税额合计", keywords: "增值税 发票 经济运行"},
			{names: []string{"重大税收违法失信主体信息"}, cls: "104002", kind: public, cycle: huitong.CycleMonthly, slug: "tax-blacklist",
				abstract: "全省税务机关公布的重大税收违法失信主体名单。纳入联合惩戒，在行政审批和政府采购中依法限制。",
				items:    "*统一社会信用代码 纳税人名称 法定代表人 违法事实 处理处罚情况 公布日期 公布机关", keywords: "税收违法 失信 联合惩戒"},
			{names: []string{"个人所得税纳税记录"}, cls: "304002", kind: personal, cycle: huitong.CycleMonthly, slug: "iit-record", legal: lawTax, limited: true,
				abstract: "全省纳税人个人所得税的收入额和已缴税额记录。仅在本人授权后用于人才认定、积分落户中的纳税情况核验。",
				items:    "*公民身份号码 姓名 所属期 收入额 已缴税额 扣缴义务人名称 入库日期", keywords: "个人所得税 纳税记录 完税证明"},
		}},
		{key: "mz", templates: []template{
			{names: []string{"婚姻登记信息", "结婚离婚登记信息"}, cls: "101004", kind: personal, cycle: huitong.CycleDaily, slug: "marriage",
				abstract: "{area}婚姻登记机关办理的结婚、离婚和补领婚姻登记证信息。用于公积金提取、不动产登记和生育服务中的婚姻状况核验，申请人无需提交结婚证。",
				items:    "*婚姻登记证字号 男方姓名 男方公民身份号码 女方姓名 女方公民身份号码 登记类型 登记日期 登记机关名称", keywords: "婚姻登记 结婚证 离婚"},
			{names: []string{"低保对象信息", "城乡最低生活保障对象信息"}, cls: "201005", kind: personal, cycle: huitong.CycleMonthly, slug: "dibao",
				abstract: "{area}城乡最低生活保障对象的保障人数、保障金额和救助状态。供教育、医保、住建部门落实学生资助、医疗救助和住房保障等专项救助。",
				items:    "*公民身份号码 姓名 户号 保障人数 月保障金额 户籍地址 救助起始日期 救助状态 审批机关 联系电话", keywords: "低保 最低生活保障 社会救助"},
			{names: []string{"特困人员供养信息"}, cls: "201005", kind: personal, cycle: huitong.CycleMonthly, slug: "tekun",
				abstract: "{area}特困人员的供养方式、供养标准和供养机构信息。用于医疗救助和养老服务补贴的精准认定。",
				items:    "*公民身份号码 姓名 性别 出生日期 供养方式 供养标准 起始日期 供养机构 户籍地址", keywords: "特困人员 供养 救助"},
			{names: []string{"社会组织登记信息"}, cls: "102003", kind: public, cycle: huitong.CycleWeekly, slug: "social-org",
				abstract: "{area}民政部门登记的社会团体、民办非企业单位和基金会信息。供税务、财政部门核验非营利组织免税资格和购买服务承接主体。",
				items:    "*统一社会信用代码 社会组织名称 组织类型 法定代表人 业务主管单位 住所 注册资金 成立日期 登记管理机关 登记状态", keywords: "社会组织 社会团体 基金会"},
			{names: []string{"残疾人基本信息", "困难残疾人两项补贴信息"}, cls: "201005", kind: personal, cycle: huitong.CycleMonthly, slug: "disability",
				abstract: "{area}持证残疾人的残疾类别、等级和补贴信息，由民政部门会同残联汇集。用于困难残疾人生活补贴和重度残疾人护理补贴的发放与复核。",
				items:    "*公民身份号码 姓名 性别 残疾类别 残疾等级 残疾人证号 发证日期 户籍地址 联系电话", keywords: "残疾人 两项补贴 残疾人证"},
			{names: []string{"遗体火化信息"}, cls: "305001", kind: personal, cycle: huitong.CycleDaily, slug: "cremation",
				abstract: "{area}殡仪馆办理的遗体火化信息。与公安户籍注销、人社养老金停发业务协同，防止待遇冒领。",
				items:    "*火化证明编号 逝者姓名 逝者公民身份号码 死亡日期 火化日期 殡仪馆名称", keywords: "火化 殡葬 死亡"},
			{names: []string{"养老机构备案信息"}, cls: "305002", kind: public, cycle: huitong.CycleMonthly, slug: "elderly-care",
				abstract: "{area}已备案养老机构的床位数、服务类型和联系方式。向社会开放，方便群众查询选择养老服务。",
				items:    "*统一社会信用代码 机构名称 机构地址 床位数 法定代表人 备案日期 服务类型 机构电话", keywords: "养老机构 养老服务 床位"},
		}},
		{key: "zrzy", templates: []template{
			{names: []string{"不动产登记信息", "不动产权属登记信息"}, cls: "103002", kind: personal, cycle: huitong.CycleRealtime, slug: "realestate",
				abstract: "{area}不动产登记机构登记的房屋、土地等不动产权利信息。用于住房保障、公积金贷款和社会救助中的房产核查。",
				items:    "*不动产单元号 不动产权证书号 权利人名称 权利人证件号码 坐落 权利类型 权利性质 用途 面积 登记日期 登记机构", keywords: "不动产 房产 产权登记"},
			{names: []string{"国有建设用地使用权出让信息"}, cls: "103001", kind: public, cycle: huitong.CycleWeekly, slug: "land-transfer",
				abstract: "{area}国有建设用地使用权出让的宗地、面积和成交价格信息。依法向社会公开，供发改、住建部门开展项目审批和建设监管。",
				items:    "*电子监管号 项目名称 宗地坐落 土地用途 出让面积 出让年限 成交价格 受让人 签订日期", keywords: "土地出让 建设用地 成交"},
			{names: []string{"国土空间规划成果信息"}, cls: "103003", kind: public, cycle: huitong.CycleYearly, slug: "spatial-plan",
				abstract: "{area}各级国土空间总体规划和详细规划成果及批复信息。为项目选址、用地审批提供“一张图”底图。",
				items:    "*规划编号 规划名称 规划层级 规划范围 批准机关 批准日期 图件文件", keywords: "国土空间规划 一张图 规划"},
			{names: []string{"采矿权登记信息"}, cls: "103001", kind: public, cycle: huitong.CycleMonthly, slug: "mining-right",
				abstract: "{area}采矿许可证的矿山、矿种、开采方式和有效期信息。供生态环境、应急管理部门开展矿山监管。",
				items:    "*采矿许可证号 采矿权人 矿山名称 开采矿种 开采方式 生产规模 矿区面积 有效期起始日期 有效期截止日期 发证机关", keywords: "采矿权 矿山 许可证"},
			{names: []string{"不动产抵押登记信息"}, cls: "306001", kind: personal, cycle: huitong.CycleDaily, slug: "mortgage",
				abstract: "{area}不动产抵押权设立、变更和注销登记信息。供金融监管和法院执行部门查询抵押状况。",
				items:    "*不动产登记证明号 不动产单元号 抵押权人 抵押人 被担保主债权数额 债务履行期限起 债务履行期限止 登记日期", keywords: "抵押 不动产 登记"},
		}},
		{key: "wjw", templates: []template{
			{names: []string{"出生医学证明信息"}, cls: "101005", kind: personal, cycle: huitong.CycleDaily, slug: "birth-certificate",
				abstract: "{area}助产机构签发的出生医学证明信息。用于新生儿落户、医保参保和社保卡申领“出生一件事”联办。",
				items:    "*出生医学证明编号 新生儿姓名 性别 出生日期 出生地点 母亲姓名 母亲公民身份号码 父亲姓名 父亲公民身份号码 签发机构 签发日期", keywords: "出生医学证明 新生儿 出生一件事"},
			{names: []string{"医疗机构执业许可信息", "医疗机构执业登记信息"}, cls: "202001", kind: public, cycle: huitong.CycleWeekly, slug: "hospital-licence",
				abstract: "{area}医疗机构的执业登记、诊疗科目和床位信息。向社会开放，并供医保部门开展定点医疗机构协议管理。",
				items:    "*医疗机构登记号 医疗机构名称 统一社会信用代码 医疗机构类别 经营性质 机构地址 法定代表人 主要负责人 诊疗科目 床位数 发证日期 有效期至 发证机关", keywords: "医疗机构 执业许可 医院"},
			{names: []string{"医师执业注册信息"}, cls: "202002", kind: public, cycle: huitong.CycleWeekly, slug: "doctor",
				abstract: "{area}执业医师和执业助理医师的注册信息。向社会提供医师资质查询，防范非法行医。",
				items:    "*医师执业证书编码 姓名 性别 执业类别 执业范围 主要执业机构 注册日期 发证机关", keywords: "医师 执业注册 资质"},
			{names: []string{"居民电子健康档案信息"}, cls: "202003", kind: personal, cycle: huitong.CycleDaily, slug: "health-record", legal: lawHealth, limited: true,
				abstract: "{area}基层医疗卫生机构建立的居民电子健康档案摘要。仅向本人和经授权的医疗机构提供，用于家庭医生签约服务和慢病管理。",
				items:    "*公民身份号码 姓名 性别 出生日期 血型 既往病史 过敏史 建档日期 建档机构 联系电话", keywords: "健康档案 家庭医生 慢病"},
			{names: []string{"预防接种信息", "儿童预防接种信息"}, cls: "202003", kind: personal, cycle: huitong.CycleDaily, slug: "vaccination", legal: lawHealth,
				abstract: "{area}接种单位登记的疫苗接种记录。用于入托入学预防接种证查验。",
				items:    "*接种记录编号 受种者姓名 受种者公民身份号码 疫苗名称 疫苗批号 接种剂次 接种日期 接种单位", keywords: "预防接种 疫苗 入学查验"},
			{names: []string{"死亡医学证明信息"}, cls: "101003", kind: personal, cycle: huitong.CycleDaily, slug: "death-certificate", legal: lawHealth,
				abstract: "{area}医疗卫生机构签发的居民死亡医学证明（推断）书信息。用于户籍注销、殡葬服务和养老金停发“身后一件事”联办。",
				items:    "*死亡医学证明编号 死者姓名 死者公民身份号码 死亡日期 死亡地点 根本死亡原因 签发机构", keywords: "死亡医学证明 身后一件事 死因"},
		}},
		{key: "jy", templates: []template{
			{names: []string{"中小学学籍信息", "学籍信息"}, cls: "203001", kind: personal, cycle: huitong.CycleMonthly, slug: "student", legal: lawMinor,
				abstract: "{area}中小学生的学籍注册、转学和学籍状态信息。用于学生资助、随迁子女入学和控辍保学工作。",
				items:    "*全国学籍号 公民身份号码 姓名 性别 出生日期 学校名称 学段 年级 班级 入学日期 学籍状态", keywords: "学籍 中小学 学生"},
			{names: []string{"学校基本信息"}, cls: "203002", kind: public, cycle: huitong.CycleYearly, slug: "school",
				abstract: "{area}各级各类学校的办学类型、规模和地址信息。向社会开放，供家长查询学校和规划部门配置教育资源。",
				items:    "*学校标识码 学校名称 办学类型 举办者 学校地址 校长姓名 在校生数 教职工数 所在地行政区划代码", keywords: "学校 办学 教育资源"},
			{names: []string{"教师资格证书信息"}, cls: "105001", kind: personal, cycle: huitong.CycleMonthly, slug: "teacher-certificate",
				abstract: "{area}认定的教师资格证书信息。用于教师招聘、民办学校审批中的资格核验。",
				items:    "*教师资格证书编号 姓名 公民身份号码 性别 资格种类 任教学科 认定机构 认定日期", keywords: "教师资格 证书 教师"},
			{names: []string{"高校毕业生信息"}, cls: "308001", kind: personal, cycle: huitong.CycleYearly, slug: "graduate",
				abstract: "{area}普通高校毕业生的学历和就业去向信息。供人社部门开展就业服务和人才引进补贴审核。",
				items:    "*毕业证书编号 姓名 公民身份号码 学校名称 专业 学历层次 毕业日期 就业去向", keywords: "高校毕业生 学历 就业"},
			{names: []string{"民办学校办学许可信息"}, cls: "308002", kind: public, cycle: huitong.CycleMonthly, slug: "private-school",
				abstract: "{area}民办学校和校外培训机构的办学许可证信息。向社会公开，便于家长查验办学资质。",
				items:    "*办学许可证编号 学校名称 统一社会信用代码 举办者 法定代表人 办学地址 办学内容 发证日期 有效期至 发证机关", keywords: "民办学校 办学许可 校外培训"},
		}},
		{key: "zj", templates: []template{
			{names: []string{"住房公积金缴存信息"}, cls: "204003", kind: personal, cycle: huitong.CycleMonthly, slug: "housing-fund",
				abstract: "{area}住房公积金缴存职工的账户、缴存基数和缴存额信息。用于人才引进、个人信用贷款中的收入和在职状态核验。",
				items:    "*个人公积金账号 公民身份号码 姓名 缴存单位名称 缴存基数 月缴存额 缴存比例 账户状态 开户日期 缴至月份", keywords: "公积金 缴存 住房"},
			{names: []string{"建筑业企业资质信息", "建筑企业资质信息"}, cls: "204002", kind: public, cycle: huitong.CycleWeekly, slug: "construction-qualification",
				abstract: "{area}建筑业企业的资质类别和等级信息。向社会开放，用于招投标资格审查。",
				items:    "*资质证书编号 统一社会信用代码 企业名称 法定代表人 资质类别 资质等级 发证日期 有效期至 发证机关", keywords: "建筑企业 资质 招投标"},
			{names: []string{"商品房预售许可信息"}, cls: "204001", kind: public, cycle: huitong.CycleWeekly, slug: "presale",
				abstract: "{area}商品房预售许可证的项目、面积和套数信息。向购房群众公开，防范无证预售。",
				items:    "*预售许可证号 项目名称 开发企业名称 统一社会信用代码 项目坐落 预售面积 预售套数 发证日期 发证机关", keywords: "商品房 预售许可 房地产"},
			{names: []string{"公共租赁住房保障信息"}, cls: "204001", kind: personal, cycle: huitong.CycleMonthly, slug: "public-rental",
				abstract: "{area}公共租赁住房实物配租和租赁补贴保障家庭信息。用于保障资格动态复核和重复享受比对。",
				items:    "*保障编号 公民身份号码 姓名 家庭人口数 保障方式 租赁补贴金额 房源地址 保障起始日期", keywords: "公租房 住房保障 租赁补贴"},
			{names: []string{"建筑工程施工许可信息"}, cls: "309001", kind: public, cycle: huitong.CycleDaily, slug: "construction-permit",
				abstract: "{area}建筑工程施工许可证信息，含建设、施工和监理单位。向社会公开，供应急管理和生态环境部门开展工地监管。",
				items:    "*施工许可证编号 项目名称 建设单位 建设地址 合同价格 建筑面积 施工单位 监理单位 发证日期 发证机关", keywords: "施工许可 建筑工程 工地"},
			{names: []string{"注册建造师信息"}, cls: "309002", kind: personal, cycle: huitong.CycleMonthly, slug: "constructor",
				abstract: "{area}注册建造师的注册专业和聘用企业信息。用于招投标项目经理资格核验和“挂证”治理。",
				items:    "*注册证书编号 姓名 公民身份号码 注册专业 聘用企业 注册日期 有效期至", keywords: "建造师 注册 项目经理"},
		}},
		{key: "fgw", templates: []template{
			{names: []string{"政府投资项目审批信息"}, cls: "310001", kind: public, cycle: huitong.CycleDaily, slug: "gov-investment",
				abstract: "全省政府投资项目的审批文号、总投资和建设规模信息。通过投资项目在线审批监管平台赋码，供自然资源、住建部门并联审批。",
				items:    "*项目代码 项目名称 项目单位 建设地点 建设规模 总投资 审批文号 审批日期 审批部门", keywords: "政府投资 项目审批 项目代码"},
			{names: []string{"企业投资项目备案信息"}, cls: "310002", kind: public, cycle: huitong.CycleDaily, slug: "enterprise-investment",
				abstract: "全省企业投资项目的备案信息。供自然资源、生态环境部门在用地预审和环评审批中核对项目代码。",
				items:    "*项目代码 项目名称 项目单位 统一社会信用代码 建设地点 总投资 备案日期 备案机关", keywords: "企业投资 项目备案 项目代码"},
			{names: []string{"省列重大项目建设进度信息"}, cls: "310003", kind: internal, cycle: huitong.CycleMonthly, slug: "major-projects",
				abstract: "省列重大建设项目的年度计划投资和累计完成投资情况。用于项目调度和要素保障。",
				items:    "*项目代码 项目名称 年度计划投资 累计完成投资 形象进度 统计月份", keywords: "重大项目 投资进度 调度"},
			{names: []string{"重要商品价格监测信息"}, cls: "310004", kind: stats, cycle: huitong.CycleWeekly, slug: "price-monitor",
				abstract: "全省价格监测点采集的粮油、肉蛋菜等重要民生商品价格。向社会开放，用于保供稳价和价格预警。",
				items:    "*监测点编号 商品名称 规格等级 计量单位 价格 采价日期 监测点名称", keywords: "价格监测 民生商品 物价"},
		}},
		{key: "xy", templates: []template{
			{names: []string{"法人公共信用综合评价信息"}, cls: "104001", kind: internal, cycle: huitong.CycleMonthly, slug: "credit-rating",
				abstract: "社会信用中心依据归集的公共信用信息对市场主体开展的综合评价结果。供各部门实施信用分级分类监管。",
				items:    "*统一社会信用代码 主体名称 评价等级 评价分值 评价日期 评价机构", keywords: "公共信用 综合评价 分级分类监管"},
			{names: []string{"失信被执行人信息"}, cls: "104002", kind: public, cycle: huitong.CycleDaily, slug: "dishonest-debtor",
				abstract: "由人民法院推送、信用中心归集的失信被执行人名单。用于行政审批、评优评先和政府采购中的联合惩戒。",
				items:    "*案号 被执行人名称 被执行人证照号码 执行法院 立案日期 失信情形 发布日期", keywords: "失信被执行人 联合惩戒 老赖"},
			{names: []string{"信用承诺信息"}, cls: "104001", kind: public, cycle: huitong.CycleDaily, slug: "credit-pledge",
				abstract: "市场主体在行政审批和证明事项告知承诺制中作出的信用承诺。纳入信用记录，供事中事后核查。",
				items:    "*承诺书编号 统一社会信用代码 主体名称 承诺类型 承诺事由 承诺日期 承诺受理单位", keywords: "信用承诺 告知承诺 信用记录"},
			{names: []string{"行政许可信息（双公示）"}, cls: "104003", kind: public, cycle: huitong.CycleDaily, slug: "permits",
				abstract: "全省各部门作出的行政许可决定，按“双公示”要求归集。向社会公示并纳入市场主体信用记录。",
				items:    "*行政许可决定文书号 统一社会信用代码 行政相对人名称 许可类别 许可内容 许可决定日期 有效期至 许可机关", keywords: "行政许可 双公示 信用"},
			{names: []string{"信用修复信息"}, cls: "311001", kind: internal, cycle: huitong.CycleDaily, slug: "credit-repair",
				abstract: "市场主体申请信用修复的事项和办理结果。修复完成后同步撤下相关公示信息。",
				items:    "*修复申请编号 统一社会信用代码 主体名称 修复事项 申请日期 修复结果 办理日期", keywords: "信用修复 失信 公示"},
		}},
		{key: "dsj", templates: []template{
			{names: []string{"政务服务事项基本信息", "政务服务事项办事指南信息"}, cls: "210001", kind: public, cycle: huitong.CycleWeekly, slug: "matters",
				abstract: "{area}政务服务事项的事项编码、实施主体、办理时限和收费标准。与国家政务服务平台事项库同源，向社会开放。",
				items:    "*事项编码 事项名称 事项类型 实施主体 承诺办结时限 收费标准 办理地点 行使层级 更新日期", keywords: "政务服务 事项 办事指南"},
			{names: []string{"12345政务服务便民热线工单信息"}, cls: "210002", kind: personal, cycle: huitong.CycleDaily, slug: "hotline",
				abstract: "{area}12345热线受理的群众诉求工单及办理结果。供承办单位跟踪办理，并用于民生热点分析。",
				items:    "*工单编号 来电时间 诉求类型 诉求内容 承办单位 办结时间 满意度 来电人联系电话", keywords: "12345 热线 工单 诉求"},
			{names: []string{"政务服务“好差评”评价信息"}, cls: "210003", kind: stats, cycle: huitong.CycleDaily, slug: "ratings",
				abstract: "{area}办事群众对政务服务的评价记录。差评按规定回访整改，评价结果向社会公开。",
				items:    "*评价编号 事项编码 评价等级 评价渠道 评价时间 办理部门", keywords: "好差评 满意度 政务服务"},
			{names: []string{"电子证照目录信息"}, cls: "105003", kind: internal, cycle: huitong.CycleDaily, slug: "licence-catalog",
				abstract: "{area}电子证照库已归集的证照类型、颁发部门和证照数量（GB/T 36902）。用于办事材料“免提交”的证照调用。",
				items:    "*证照类型代码 证照名称 颁发部门 持证主体类型 证照数量 更新日期", keywords: "电子证照 证照目录 免提交"},
			{names: []string{"政务数据共享调用统计信息"}, cls: "312001", kind: stats, cycle: huitong.CycleMonthly, slug: "share-stats",
				abstract: "{area}共享平台按资源和部门统计的数据调用次数。用于评估数据共享成效和资源供需对接。",
				items:    "*统计编号 资源代码 资源名称 提供部门 使用部门 调用次数 统计月份", keywords: "数据共享 调用统计 共享成效"},
		}},
		{key: "jt", templates: []template{
			{names: []string{"道路运输经营许可信息"}, cls: "207001", kind: public, cycle: huitong.CycleDaily, slug: "road-transport-licence",
				abstract: "{area}道路旅客运输、货物运输经营许可证信息。向社会开放，用于运输市场监管和信用评价。",
				items:    "*道路运输经营许可证号 统一社会信用代码 业户名称 经营范围 经营地址 法定代表人 发证日期 有效期至 发证机关", keywords: "道路运输 经营许可 运输"},
			{names: []string{"道路运输从业人员从业资格信息"}, cls: "207001", kind: personal, cycle: huitong.CycleDaily, slug: "driver-qualification",
				abstract: "{area}道路运输驾驶员等从业人员的从业资格证信息。供公安交管部门核查营运驾驶员资质。",
				items:    "*从业资格证号 公民身份号码 姓名 从业资格类别 初领日期 有效期至 发证机关", keywords: "从业资格 驾驶员 道路运输"},
			{names: []string{"营运车辆道路运输证信息"}, cls: "207001", kind: public, cycle: huitong.CycleDaily, slug: "vehicle-permit",
				abstract: "{area}营运车辆的道路运输证信息。用于治超检测、货运车辆年审和运输安全监管。",
				items:    "*道路运输证号 车牌号码 业户名称 车辆类型 核定载质量 发证日期 有效期至", keywords: "道路运输证 营运车辆 货车"},
			{names: []string{"公路路网基础信息"}, cls: "207002", kind: stats, cycle: huitong.CycleYearly, slug: "road-network",
				abstract: "{area}国省干线和农村公路的路线、技术等级和里程信息。向社会开放，服务出行规划和路网分析。",
				items:    "*路线编码 路线名称 技术等级 起点桩号 止点桩号 里程 管养单位", keywords: "公路 路网 里程"},
			{names: []string{"交通运输行政处罚信息"}, cls: "104003", kind: public, cycle: huitong.CycleDaily, slug: "penalty",
				abstract: "{area}交通运输部门作出的行政处罚决定。按“双公示”要求向社会公示。",
				items:    "*行政处罚决定书文号 统一社会信用代码 当事人名称 违法行为类型 处罚依据 处罚内容 罚款金额 处罚决定日期 处罚机关", keywords: "交通运输 行政处罚 双公示"},
		}},
		{key: "nync", templates: []template{
			{names: []string{"家庭农场名录信息"}, cls: "209001", kind: public, cycle: huitong.CycleQuarterly, slug: "family-farm",
				abstract: "{area}纳入名录管理的家庭农场信息。用于农业补贴发放和金融支农服务。",
				items:    "*统一社会信用代码 家庭农场名称 经营者姓名 经营地址 经营类型 经营面积 认定级别 认定日期", keywords: "家庭农场 新型经营主体 农业"},
			{names: []string{"农民专业合作社信息"}, cls: "209001", kind: public, cycle: huitong.CycleQuarterly, slug: "cooperative",
				abstract: "{area}农民专业合作社的成员数、出资额和示范社认定信息。供财政、金融部门落实扶持政策。",
				items:    "*统一社会信用代码 合作社名称 法定代表人 成员数 出资总额 经营范围 认定级别 成立日期", keywords: "合作社 农民专业合作社 示范社"},
			{names: []string{"农村土地承包经营权确权登记信息"}, cls: "103001", kind: personal, cycle: huitong.CycleYearly, slug: "land-contract",
				abstract: "{area}农村土地承包经营权确权登记颁证信息。用于耕地地力保护补贴发放和土地流转管理。",
				items:    "*承包经营权证编号 承包方代表姓名 承包方代表公民身份号码 地块编码 承包地块面积 坐落 承包期限起 承包期限止 发证机关", keywords: "土地承包 确权 耕地"},
			{names: []string{"农药经营许可信息"}, cls: "314001", kind: public, cycle: huitong.CycleMonthly, slug: "pesticide-licence",
				abstract: "{area}农药经营许可证信息。向社会公开，供农户查验农药经营单位资质。",
				items:    "*许可证编号 统一社会信用代码 单位名称 法定代表人 经营地址 经营品种 发证日期 有效期至 发证机关", keywords: "农药 经营许可 农资"},
			{names: []string{"动物防疫条件合格证信息"}, cls: "314002", kind: public, cycle: huitong.CycleMonthly, slug: "animal-epidemic",
				abstract: "{area}养殖场、屠宰场等场所的动物防疫条件合格证信息。用于畜禽产品质量安全追溯。",
				items:    "*动物防疫条件合格证编号 单位名称 场所类型 场所地址 负责人 发证日期 发证机关", keywords: "动物防疫 养殖场 屠宰"},
		}},
		{key: "sthj", templates: []template{
			{names: []string{"排污许可信息"}, cls: "205002", kind: public, cycle: huitong.CycleWeekly, slug: "discharge-permit",
				abstract: "{area}排污单位的排污许可证和主要污染物类别信息。向社会公开，用于固定污染源监管和执法。",
				items:    "*排污许可证编号 统一社会信用代码 单位名称 行业类别 生产经营地址 主要污染物类别 有效期起始日期 有效期截止日期 发证机关", keywords: "排污许可 污染源 环境"},
			{names: []string{"环境空气质量监测信息", "城市空气质量小时监测信息"}, cls: "205001", kind: stats, cycle: huitong.CycleRealtime, slug: "air-quality",
				abstract: "{area}国控和省控空气质量监测站点的小时监测数据。向社会实时开放，用于污染预警和应急调度。",
				items:    "*监测站点编码 站点名称 监测时间 空气质量指数 PM2.5浓度 PM10浓度 首要污染物 空气质量等级", keywords: "空气质量 AQI PM2.5 监测"},
			{names: []string{"生态环境行政处罚信息"}, cls: "205003", kind: public, cycle: huitong.CycleDaily, slug: "penalty",
				abstract: "{area}生态环境部门作出的行政处罚决定。按“双公示”要求向社会公示，并推送至信用信息平台。",
				items:    "*行政处罚决定书文号 统一社会信用代码 当事人名称 违法行为类型 违法事实 处罚依据 处罚内容 罚款金额 处罚决定日期 处罚机关", keywords: "环境 行政处罚 双公示"},
			{names: []string{"建设项目环境影响评价审批信息"}, cls: "315001", kind: public, cycle: huitong.CycleWeekly, slug: "eia",
				abstract: "{area}建设项目环境影响报告书（表）的审批信息。供发改、住建部门并联审批时核验环评结论。",
				items:    "*审批文号 项目名称 建设单位 建设地点 环评类别 审批日期 审批部门", keywords: "环评 环境影响评价 审批"},
			{names: []string{"重点排污单位名录"}, cls: "315002", kind: public, cycle: huitong.CycleYearly, slug: "key-dischargers",
				abstract: "{area}年度重点排污单位名录。向社会公开，用于自动监控和信息公开监管。",
				items:    "*统一社会信用代码 单位名称 重点排污单位类别 行业类别 生产经营地址 纳入年度", keywords: "重点排污单位 名录 监控"},
		}},
		{key: "sf", templates: []template{
			{names: []string{"律师执业信息"}, cls: "316001", kind: public, cycle: huitong.CycleWeekly, slug: "lawyer",
				abstract: "{area}执业律师的执业证号、执业机构和执业状态。向社会开放，便于群众查验律师身份。",
				items:    "*律师执业证号 姓名 性别 执业机构 执业类别 首次执业日期 发证机关 执业状态", keywords: "律师 执业 法律服务"},
			{names: []string{"公证文书信息"}, cls: "316002", kind: personal, cycle: huitong.CycleDaily, slug: "notary",
				abstract: "{area}公证机构出具的公证书信息。用于不动产登记、继承等业务中核验公证文书真伪。",
				items:    "*公证书编号 公证事项 当事人姓名 当事人证件号码 公证机构 公证员 出证日期", keywords: "公证 公证书 核验"},
			{names: []string{"社区矫正对象信息"}, cls: "316003", kind: personal, cycle: huitong.CycleDaily, slug: "community-correction", legal: lawDSL, limited: true,
				abstract: "{area}社区矫正对象的矫正类别、期限和执行地信息。仅供公安、检察机关依法履职使用。",
				items:    "*公民身份号码 姓名 矫正类别 矫正期限起 矫正期限止 执行地 司法所", keywords: "社区矫正 矫正对象 司法所"},
			{names: []string{"法律援助案件信息"}, cls: "316004", kind: personal, cycle: huitong.CycleDaily, slug: "legal-aid",
				abstract: "{area}法律援助机构受理和办结的案件信息。用于经济困难审查中与民政救助信息比对。",
				items:    "*法律援助案件编号 受援人姓名 受援人公民身份号码 案件类型 援助方式 承办机构 受理日期 结案日期", keywords: "法律援助 案件 受援人"},
			{names: []string{"人民调解组织信息"}, cls: "316005", kind: public, cycle: huitong.CycleQuarterly, slug: "mediation",
				abstract: "{area}人民调解委员会的组织类型、地址和调解员数量。向社会开放，方便群众就近申请调解。",
				items:    "*调解组织编号 调解组织名称 组织类型 所在地址 人民调解员数 成立日期", keywords: "人民调解 调解组织 矛盾纠纷"},
		}},
		{key: "cz", templates: []template{
			{names: []string{"政府采购合同信息"}, cls: "317001", kind: public, cycle: huitong.CycleDaily, slug: "procurement-contract",
				abstract: "全省政府采购合同的采购人、供应商和合同金额。依法向社会公开，供审计和纪检监察部门监督。",
				items:    "*合同编号 采购项目名称 采购人 供应商名称 供应商统一社会信用代码 合同金额 签订日期 采购方式", keywords: "政府采购 合同 供应商"},
			{names: []string{"财政预算执行信息"}, cls: "317002", kind: internal, cycle: huitong.CycleMonthly, slug: "budget-execution",
				abstract: "全省预算单位按功能科目统计的预算执行进度。用于预算绩效管理和支出进度督导。",
				items:    "*预算单位编码 预算单位名称 功能科目 年度预算数 累计支出数 执行进度 统计月份", keywords: "预算执行 财政支出 绩效"},
			{names: []string{"非税收入缴款信息"}, cls: "317003", kind: personal, cycle: huitong.CycleDaily, slug: "non-tax",
				abstract: "全省执收单位通过非税收入收缴系统开具的缴款记录。用于缴费结果核验，办事群众无需提交缴费凭证。",
				items:    "*缴款码 执收单位 缴款人 收入项目 金额 缴款日期", keywords: "非税收入 缴款 电子票据"},
			{names: []string{"惠民惠农财政补贴资金发放信息"}, cls: "209002", kind: personal, cycle: huitong.CycleMonthly, slug: "subsidy",
				abstract: "通过社会保障卡“一卡通”发放的惠民惠农财政补贴资金明细。用于补贴资金发放监管和重复发放比对。",
				items:    "*公民身份号码 姓名 补贴项目 补贴金额 发放日期 发放银行 户籍地址", keywords: "惠民惠农 补贴 一卡通"},
		}},
		{key: "yb", templates: []template{
			{names: []string{"基本医疗保险参保信息", "城乡居民医疗保险参保信息"}, cls: "201002", kind: personal, cycle: huitong.CycleDaily, slug: "medical-insurance",
				abstract: "{area}职工医保和城乡居民医保的参保登记信息。用于参保动员、重复参保清理和医疗救助对象资助参保。",
				items:    "*公民身份号码 姓名 性别 参保类型 参保单位名称 参保状态 参保日期 缴费档次 医保个人编号", keywords: "医保 参保 医疗保险"},
			{names: []string{"医疗保障定点医药机构信息"}, cls: "202001", kind: public, cycle: huitong.CycleWeekly, slug: "designated-institutions",
				abstract: "{area}医保定点医疗机构和定点零售药店的协议管理信息。向社会开放，便于参保人就近选择定点机构。",
				items:    "*医药机构编码 医药机构名称 统一社会信用代码 机构类型 定点类别 机构地址 协议有效期至", keywords: "定点医药机构 定点药店 医保"},
			{names: []string{"医疗费用结算信息"}, cls: "318001", kind: personal, cycle: huitong.CycleDaily, slug: "settlement", legal: lawHealth,
				abstract: "{area}参保人员在定点医药机构发生的医疗费用结算明细。用于医疗救助“一站式”结算和大病保险核算。",
				items:    "*结算编号 公民身份号码 姓名 医药机构名称 就诊类型 医疗费用总额 基金支付金额 个人负担金额 结算日期", keywords: "医疗费用 结算 一站式"},
			{names: []string{"门诊慢特病待遇认定信息"}, cls: "318002", kind: personal, cycle: huitong.CycleDaily, slug: "chronic-disease", legal: lawHealth,
				abstract: "{area}参保人员门诊慢性病、特殊疾病待遇资格认定信息。用于异地就医备案和待遇享受核验。",
				items:    "*公民身份号码 姓名 病种名称 认定日期 有效期截止日期 认定机构", keywords: "门诊慢特病 慢病 待遇认定"},
			{names: []string{"异地就医备案信息"}, cls: "318003", kind: personal, cycle: huitong.CycleDaily, slug: "remote-care",
				abstract: "{area}参保人员办理的异地就医备案信息。用于跨省直接结算和就医地服务。",
				items:    "*备案编号 公民身份号码 姓名 就医地行政区划代码 就医类型 备案日期 备案有效期至", keywords: "异地就医 备案 跨省结算"},
		}},
		{key: "yj", templates: []template{
			{names: []string{"危险化学品经营许可信息"}, cls: "206001", kind: public, cycle: huitong.CycleWeekly, slug: "hazchem-licence",
				abstract: "{area}危险化学品经营许可证信息。向社会公开，供公安、交通部门开展危化品运输和购买环节监管。",
				items:    "*许可证编号 统一社会信用代码 企业名称 法定代表人 经营场所 许可范围 经营方式 发证日期 有效期至 发证机关", keywords: "危险化学品 经营许可 危化品"},
			{names: []string{"安全生产许可信息"}, cls: "206001", kind: public, cycle: huitong.CycleWeekly, slug: "safety-licence",
				abstract: "{area}非煤矿山、危险化学品生产企业等的安全生产许可证信息。用于招投标资格审查和安全监管。",
				items:    "*安全生产许可证编号 统一社会信用代码 企业名称 法定代表人 许可范围 发证日期 有效期至 发证机关", keywords: "安全生产许可 非煤矿山 安全"},
			{names: []string{"应急物资储备信息"}, cls: "206002", kind: internal, cycle: huitong.CycleMonthly, slug: "reserves",
				abstract: "{area}各级应急物资储备库的物资品类和储备数量。用于灾害发生时的物资调拨。",
				items:    "*储备库编码 储备库名称 物资名称 规格型号 计量单位 储备数量 更新日期 管理单位", keywords: "应急物资 储备 调拨"},
			{names: []string{"自然灾害灾情信息"}, cls: "206003", kind: stats, cycle: huitong.CycleIrregular, slug: "disasters",
				abstract: "{area}自然灾害的类型、影响范围和损失统计。用于灾害救助资金分配和灾后恢复重建。",
				items:    "*灾情编号 灾害类型 发生时间 影响区域行政区划代码 受灾人口 死亡人口 直接经济损失 报送单位", keywords: "自然灾害 灾情 救灾"},
			{names: []string{"生产安全事故信息"}, cls: "319001", kind: internal, cycle: huitong.CycleIrregular, slug: "accidents",
				abstract: "{area}生产安全事故的类型、等级和伤亡情况。用于事故调查处理和安全生产形势分析。",
				items:    "*事故编号 事故类型 事故等级 事故发生时间 事故单位名称 统一社会信用代码 死亡人数 受伤人数", keywords: "生产安全事故 事故 伤亡"},
		}},
		{key: "wl", templates: []template{
			{names: []string{"A级旅游景区信息"}, cls: "203003", kind: public, cycle: huitong.CycleMonthly, slug: "scenic-spots",
				abstract: "{area}A级旅游景区的等级、地址、开放时间和门票价格。向社会开放，服务游客出行和智慧旅游应用。",
				items:    "*景区编号 景区名称 质量等级 景区地址 所在地行政区划代码 开放时间 门票价格 管理单位 咨询电话", keywords: "A级景区 旅游 景区"},
			{names: []string{"旅行社经营许可信息"}, cls: "203003", kind: public, cycle: huitong.CycleMonthly, slug: "travel-agency",
				abstract: "{area}旅行社业务经营许可证信息。向社会公开，便于游客查验旅行社资质。",
				items:    "*旅行社经营许可证号 旅行社名称 统一社会信用代码 法定代表人 经营范围 经营场所 发证日期", keywords: "旅行社 经营许可 旅游"},
			{names: []string{"导游资格信息"}, cls: "320001", kind: personal, cycle: huitong.CycleMonthly, slug: "guides",
				abstract: "{area}取得导游证人员的等级、语种和所属旅行社。用于旅游市场执法中核查导游身份。",
				items:    "*导游证号 姓名 性别 语种 导游等级 所属旅行社 发证日期", keywords: "导游 导游证 旅游执法"},
			{names: []string{"文物保护单位信息"}, cls: "320002", kind: public, cycle: huitong.CycleYearly, slug: "heritage",
				abstract: "{area}全国、省级和市县级文物保护单位的级别、类别和时代信息。向社会开放，用于建设项目选址避让。",
				items:    "*文物保护单位编号 文物保护单位名称 保护级别 文物类别 时代 所在地址 公布日期 公布批次", keywords: "文物保护单位 文物 非遗"},
			{names: []string{"公共文化场馆信息"}, cls: "320003", kind: public, cycle: huitong.CycleQuarterly, slug: "venues",
				abstract: "{area}公共图书馆、文化馆、博物馆、美术馆的地址和开放信息。向社会开放，服务群众文化生活。",
				items:    "*场馆编号 场馆名称 场馆类型 场馆地址 开放时间 建筑面积数 咨询电话", keywords: "公共文化 图书馆 博物馆"},
		}},
		{key: "tyjr", templates: []template{
			{names: []string{"退役军人基本信息"}, cls: "201006", kind: personal, cycle: huitong.CycleMonthly, slug: "veterans", legal: lawDSL,
				abstract: "全省退役军人的入伍、退役和安置信息。用于退役军人优待证发放和就业创业扶持。",
				items:    "*公民身份号码 姓名 性别 出生日期 入伍日期 退役日期 退役类别 安置方式 户籍地址 联系电话", keywords: "退役军人 安置 优待证"},
			{names: []string{"优抚对象抚恤补助信息"}, cls: "201006", kind: personal, cycle: huitong.CycleMonthly, slug: "pension-care",
				abstract: "全省重点优抚对象的抚恤补助标准和发放状态。用于抚恤补助资金社会化发放和资格认证。",
				items:    "*公民身份号码 姓名 优抚对象类别 抚恤补助标准 发放起始日期 发放状态 发放银行", keywords: "优抚对象 抚恤 补助"},
			{names: []string{"退役军人服务站信息"}, cls: "321001", kind: public, cycle: huitong.CycleQuarterly, slug: "service-stations",
				abstract: "全省各级退役军人服务中心（站）的地址、负责人和联系方式。向社会开放，方便退役军人就近办事。",
				items:    "*服务站编码 服务站名称 服务站地址 所在地行政区划代码 负责人 机构电话 工作人员数", keywords: "退役军人服务站 服务中心"},
			{names: []string{"光荣牌悬挂信息"}, cls: "321002", kind: personal, cycle: huitong.CycleQuarterly, slug: "honour-plaques",
				abstract: "全省为烈属、军属和退役军人家庭悬挂光荣牌的登记信息。用于走访慰问和优待服务。",
				items:    "*光荣牌编号 户主姓名 公民身份号码 光荣牌类型 悬挂日期 居住地址", keywords: "光荣牌 军属 烈属"},
		}},
		{key: "tj", templates: []template{
			{names: []string{"地区生产总值统计信息"}, cls: "322001", kind: stats, cycle: huitong.CycleQuarterly, slug: "gdp",
				abstract: "全省及各市州按季度核算的地区生产总值和三次产业增加值。向社会开放，用于经济运行分析。",
				items:    "*统计区划代码 地区名称 统计期别 地区生产总值 第一产业增加值 第二产业增加值 第三产业增加值 增速 发布日期", keywords: "地区生产总值 GDP 经济统计"},
			{names: []string{"常住人口统计信息"}, cls: "322002", kind: stats, cycle: huitong.CycleYearly, slug: "population",
				abstract: "全省及各市州年末常住人口、城镇化率和人口自然变动情况。向社会开放，用于公共服务设施规划。",
				items:    "*统计区划代码 地区名称 统计年度 常住人口数 城镇人口数 城镇化率 出生率 死亡率", keywords: "常住人口 城镇化率 人口统计"},
			{names: []string{"居民人均可支配收入统计信息"}, cls: "322003", kind: stats, cycle: huitong.CycleQuarterly, slug: "income",
				abstract: "全省及各市州城乡居民人均可支配收入。向社会开放，用于低保标准调整和收入分配政策评估。",
				items:    "*统计区划代码 地区名称 统计期别 居民人均可支配收入 城镇居民人均可支配收入 农村居民人均可支配收入 发布日期", keywords: "可支配收入 居民收入 统计"},
			{names: []string{"规模以上工业企业名录"}, cls: "322004", kind: internal, cycle: huitong.CycleYearly, slug: "industrial-enterprises",
				abstract: "全省纳入统计联网直报的规模以上工业企业名录。供工信、税务部门开展企业运行监测。",
				items:    "*统一社会信用代码 企业名称 行业代码 所在地行政区划代码 企业规模 统计年度", keywords: "规上工业 企业名录 统计"},
		}},
		{key: "sl", templates: []template{
			{names: []string{"取水许可信息"}, cls: "103004", kind: public, cycle: huitong.CycleMonthly, slug: "water-permit",
				abstract: "全省取水许可证的取水地点、水源类型和许可水量。向社会公开，用于水资源刚性约束和计量监管。",
				items:    "*取水许可证编号 统一社会信用代码 取水权人名称 取水地点 取水方式 水源类型 许可取水量 有效期起始日期 有效期截止日期 审批机关", keywords: "取水许可 水资源 水量"},
			{names: []string{"水文监测信息", "主要河流水位流量监测信息"}, cls: "103004", kind: stats, cycle: huitong.CycleRealtime, slug: "hydrology",
				abstract: "黄河、洮河、渭河等河流水文测站的水位和流量实时数据。向社会开放，用于防汛预警和水资源调度。",
				items:    "*测站编码 测站名称 所在河流 观测时间 水位 流量", keywords: "水文 水位 流量 防汛"},
			{names: []string{"河湖长制责任信息"}, cls: "323001", kind: public, cycle: huitong.CycleQuarterly, slug: "river-chiefs",
				abstract: "全省河湖名录及各级河湖长的责任河段信息。向社会公开，接受群众监督。",
				items:    "*河湖编码 河湖名称 河湖长姓名 河湖长职务 管辖河段 所在地行政区划代码", keywords: "河湖长制 河长 湖长"},
		}},
		{key: "lc", templates: []template{
			{names: []string{"林权登记信息"}, cls: "103005", kind: personal, cycle: huitong.CycleMonthly, slug: "forest-right",
				abstract: "全省林权证的权利人、林地面积、林种和树种信息。用于林权抵押贷款和生态公益林补偿。",
				items:    "*林权证号 林权权利人 坐落 林地面积 林种 主要树种 有效期起始日期 有效期截止日期 发证机关", keywords: "林权 林地 生态补偿"},
			{names: []string{"林木采伐许可信息"}, cls: "103005", kind: public, cycle: huitong.CycleMonthly, slug: "logging-permit",
				abstract: "全省林木采伐许可证的采伐地点、方式和蓄积量。向社会公开，用于森林资源监管。",
				items:    "*林木采伐许可证号 单位名称 采伐地点 采伐方式 采伐蓄积 发证日期 有效期至 发证机关", keywords: "采伐许可 林木 森林资源"},
			{names: []string{"自然保护地信息"}, cls: "324001", kind: public, cycle: huitong.CycleYearly, slug: "protected-areas",
				abstract: "全省国家公园、自然保护区和自然公园的级别、类型和面积。向社会开放，用于项目选址避让和生态保护红线管理。",
				items:    "*保护地编码 保护地名称 保护地级别 保护地类型 保护地面积 所在地行政区划代码 批准日期 管理机构", keywords: "自然保护地 保护区 国家公园"},
		}},
	}
	out := make(map[string]*domain, len(list))
	for _, d := range list {
		out[d.key] = d
	}
	return out
})
