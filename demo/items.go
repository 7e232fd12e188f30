package demo

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"huitong"
)

// itemTable lists every information item (信息项) the demo entries use, one
// a line: name, column code, data type (the one-letter codes of
// 《政务信息资源目录编制指南(试行)》), length (0 for none), flags (s =
// sensitive, r = required, - = neither) and an optional description.
// Templates refer to items by name.
const itemTable = `
姓名 XM C 50 r
公民身份号码 GMSFHM C 18 rs 符合GB 11643-1999
性别 XBDM C 1 - 代码见GB/T 2261.1
民族 MZDM C 2 - 代码见GB/T 3304
出生日期 CSRQ D 8 r
出生地 CSD C 200 -
户籍地址 HJDZ C 200 s
居住地址 JZDZ C 200 s
联系电话 LXDH C 20 s
户号 HH C 20 -
与户主关系 YHZGXDM C 2 - 代码见GB/T 4761
婚姻状况 HYZKDM C 2 - 代码见GB/T 2261.2
文化程度 WHCDDM C 2 - 代码见GB/T 4658
户籍登记日期 HJDJRQ D 8 -
签发机关 QFJG C 100 -
签发日期 QFRQ D 8 -
有效期起始日期 YXQQSRQ D 8 -
有效期截止日期 YXQJZRQ D 8 -
证件照片 ZJZP G 0 s 人像照片，JPEG格式
死亡日期 SWRQ D 8 -
注销日期 ZXRQ D 8 -
注销原因 ZXYY C 100 -
办理机关 BLJG C 100 -
迁移业务编号 QYYWBH C 30 r
迁移类型 QYLX C 2 - 迁入、迁出或户内变更
迁出地址 QCDZ C 200 s
迁入地址 QRDZ C 200 s
迁移日期 QYRQ D 8 -
居住证编号 JZZBH C 30 r
居住事由 JZSY C 2 -
机动车登记编号 JDCDJBH C 30 r
号牌号码 HPHM C 15 -
号牌种类 HPZL C 2 - 代码见GA 24.7
车辆品牌 CLPP C 100 -
车辆类型 CLLX C 3 - 代码见GA 24.4
车身颜色 CSYS C 10 -
所有人名称 SYRMC C 200 s
所有人证件号码 SYRZJHM C 30 s
初次登记日期 CCDJRQ D 8 -
检验有效期止 JYYXQZ D 8 -
机动车状态 JDCZT C 2 -
驾驶证档案编号 JSZDABH C 20 r
准驾车型 ZJCX C 10 -
初次领证日期 CCLZRQ D 8 -
累积记分 LJJF I 2 -
驾驶证状态 JSZZT C 2 -
出入境证件号码 CRJZJHM C 20 r
证件类型 ZJLX C 3 -
许可证编号 XKZBH C 50 r
统一社会信用代码 TYSHXYDM C 18 r 符合GB 32100-2015
单位名称 DWMC C 200 r
法定代表人 FDDBR C 50 -
经营地址 JYDZ C 200 -
客房数 KFS I 5 -
发证日期 FZRQ D 8 -
有效期至 YXQZ D 8 -
发证机关 FZJG C 100 -
参保单位名称 CBDWMC C 200 -
险种类型 XZLX C 3 -
参保状态 CBZT C 2 -
参保日期 CBRQ D 8 -
缴费基数 JFJS Y 12 - 单位：元
个人编号 GRBH C 20 -
参保地行政区划代码 CBDXZQHDM C 6 - GB/T 2260
离退休类别 LTXLB C 2 -
待遇开始日期 DYKSRQ D 8 -
月领取金额 YLQJE Y 12 - 单位：元
领取状态 LQZT C 2 -
社会保障卡号 SHBZKH C 20 s
发卡日期 FKRQ D 8 -
卡状态 KZT C 2 -
发卡银行 FKYH C 100 -
失业登记日期 SYDJRQ D 8 -
领取起始月份 LQQSYF C 6 - 格式YYYYMM
领取期限 LQQX I 3 - 单位：月
经办机构 JBJG C 100 -
登记编号 DJBH C 30 r
登记类型 DJLX C 2 -
就业单位名称 JYDWMC C 200 -
就业形式 JYXS C 2 -
登记日期 DJRQ D 8 -
登记机构 DJJGMC C 100 -
证书编号 ZSBH C 50 r
职业名称 ZYMC C 100 -
技能等级 JNDJ C 2 - 一级至五级
评价机构 PJJG C 200 -
行政处罚决定书文号 XZCFJDSWH C 100 r
当事人名称 DSRMC C 200 -
违法行为类型 WFXWLX C 100 -
违法事实 WFSS M 2000 -
处罚依据 CFYJ M 1000 -
处罚内容 CFNR M 1000 -
罚款金额 FKJE Y 16 - 单位：万元
处罚决定日期 CFJDRQ D 8 -
处罚机关 CFJG C 100 -
公示截止期 GSJZQ D 8 -
工伤认定决定书编号 GSRDJDSBH C 50 r
用人单位名称 YRDWMC C 200 -
事故发生日期 SGFSRQ D 8 -
认定结论 RDJL C 100 -
认定日期 RDRQ D 8 -
认定机构 RDJG C 100 -
企业名称 QYMC C 200 r
企业类型 QYLXDM C 4 - 市场主体类型代码
注册资本 ZCZB Y 18 - 单位：万元
成立日期 CLRQ D 8 -
住所 ZS C 200 -
经营范围 JYFW M 4000 -
登记机关 DJJG C 100 -
登记状态 DJZT C 2 - 存续、吊销、注销等
核准日期 HZRQ D 8 -
营业期限至 YYQXZ D 8 -
发照日期 FZRQ2 D 8 -
个体工商户名称 GTGSHMC C 200 -
经营者姓名 JYZXM C 50 -
经营者公民身份号码 JYZGMSFHM C 18 s
组成形式 ZCXS C 2 - 个人经营或家庭经营
经营场所 JYCS C 200 -
经营者名称 JYZMC C 200 -
主体业态 ZTYT C 50 -
经营项目 JYXM M 1000 -
使用登记证编号 SYDJZBH C 50 r
设备类别 SBLB C 50 -
设备品种 SBPZ C 50 -
使用单位名称 SYDWMC C 200 -
设备使用地点 SBSYDD C 200 -
检验有效期至 JYYXQZ2 D 8 -
列入经营异常名录原因 LRYCYY C 200 -
列入日期 LRRQ D 8 -
作出决定机关 ZCJDJG C 100 -
移出日期 YCRQ D 8 -
移出原因 YCYY C 200 -
企业负责人 QYFZR C 50 -
质量负责人 ZLFZR C 50 -
注册地址 ZCDZ C 200 -
纳税人名称 NSRMC C 200 r
纳税人状态 NSRZT C 2 -
登记注册类型 DJZCLX C 3 -
生产经营地址 SCJYDZ C 200 -
主管税务机关 ZGSWJG C 100 -
行业 HYDM C 4 - 代码见GB/T 4754
评价年度 PJND C 4 -
信用等级 XYDJ C 2 - A、B、M、C、D
评价日期 PJRQ D 8 -
欠税税种 QSSZ C 50 -
欠税余额 QSYE Y 16 - 单位：元
当期新发生欠税金额 DQXFSQSJE Y 16 - 单位：元
公告日期 GGRQ D 8 -
所属期 SSQ C 6 - 格式YYYYMM
开具发票份数 KJFPFS I 10 -
金额合计 JEHJ Y 18 - 单位：元
税额合计 SEHJ Y 18 - 单位：元
公布日期 GBRQ D 8 -
公布机关 GBJG C 100 -
处理处罚情况 CLCFQK M 1000 -
收入额 SRE Y 16 - 单位：元
已缴税额 YJSE Y 16 - 单位：元
扣缴义务人名称 KJYWRMC C 200 -
入库日期 RKRQ D 8 -
婚姻登记证字号 HYDJZZH C 30 r
男方姓名 NFXM C 50 -
男方公民身份号码 NFGMSFHM C 18 s
女方姓名 NVFXM C 50 -
女方公民身份号码 NVFGMSFHM C 18 s
登记机关名称 DJJGMC2 C 100 -
保障人数 BZRS I 3 -
月保障金额 YBZJE Y 10 - 单位：元
救助起始日期 JZQSRQ D 8 -
救助状态 JZZT C 2 -
审批机关 SPJG C 100 -
供养方式 GYFS C 2 - 集中供养或分散供养
供养标准 GYBZ Y 10 - 单位：元/月
起始日期 QSRQ D 8 -
供养机构 GYJG C 200 -
社会组织名称 SHZZMC C 200 -
组织类型 ZZLX C 2 - 社会团体、民办非企业单位或基金会
业务主管单位 YWZGDW C 200 -
注册资金 ZCZJ Y 16 - 单位：万元
登记管理机关 DJGLJG C 100 -
残疾类别 CJLB C 2 - 代码见GB/T 26341
残疾等级 CJDJ C 1 - 一级至四级
残疾人证号 CJRZH C 20 s
火化证明编号 HHZMBH C 30 r
逝者姓名 SZXM C 50 -
逝者公民身份号码 SZGMSFHM C 18 s
火化日期 HHRQ D 8 -
殡仪馆名称 BYGMC C 200 -
机构名称 JGMC C 200 -
机构地址 JGDZ C 200 -
床位数 CWS I 6 -
备案日期 BARQ D 8 -
服务类型 FWLX C 50 -
机构电话 JGDH C 20 -
不动产单元号 BDCDYH C 28 r 28位，符合GB/T 37346
不动产权证书号 BDCQZSH C 50 -
权利人名称 QLRMC C 200 s
权利人证件号码 QLRZJHM C 30 s
坐落 ZL C 200 -
权利类型 QLLX C 3 -
权利性质 QLXZ C 3 -
用途 YT C 50 -
面积 MJ B 16 - 单位：平方米
电子监管号 DZJGH C 30 r
项目名称 XMMC C 200 -
宗地坐落 ZDZL C 200 -
土地用途 TDYT C 50 - 代码见GB/T 21010
出让面积 CRMJ B 16 - 单位：公顷
出让年限 CRNX I 3 - 单位：年
成交价格 CJJG Y 18 - 单位：万元
受让人 SRR C 200 -
签订日期 QDRQ D 8 -
规划编号 GHBH C 50 r
规划名称 GHMC C 200 -
规划层级 GHCJ C 2 -
规划范围 GHFW C 200 -
批准机关 PZJG C 100 -
批准日期 PZRQ D 8 -
图件文件 TJWJ G 0 - 矢量数据与图件
采矿许可证号 CKXKZH C 30 r
采矿权人 CKQR C 200 -
矿山名称 KSMC C 200 -
开采矿种 KCKZ C 50 -
开采方式 KCFS C 20 -
生产规模 SCGM C 50 -
矿区面积 KQMJ B 16 - 单位：平方千米
不动产登记证明号 BDCDJZMH C 50 r
抵押权人 DYQR C 200 -
抵押人 DYR C 200 s
被担保主债权数额 BDBZZQSE Y 18 - 单位：万元
债务履行期限起 ZWLXQXQ D 8 -
债务履行期限止 ZWLXQXZ D 8 -
出生医学证明编号 CSYXZMBH C 20 r
新生儿姓名 XSEXM C 50 -
出生地点 CSDD C 200 -
母亲姓名 MQXM C 50 -
母亲公民身份号码 MQGMSFHM C 18 s
父亲姓名 FQXM C 50 -
父亲公民身份号码 FQGMSFHM C 18 s
签发机构 QFJGMC C 200 -
医疗机构登记号 YLJGDJH C 30 r
医疗机构名称 YLJGMC C 200 -
医疗机构类别 YLJGLB C 4 -
经营性质 JYXZ C 2 - 营利性或非营利性
主要负责人 ZYFZR C 50 -
诊疗科目 ZLKM M 1000 -
医师执业证书编码 YSZYZSBM C 30 r
执业类别 ZYLB C 20 -
执业范围 ZYFW C 100 -
主要执业机构 ZYZYJG C 200 -
注册日期 ZCRQ D 8 -
血型 XX C 2 -
既往病史 JWBS M 2000 s
过敏史 GMS M 500 s
建档日期 JDRQ D 8 -
建档机构 JDJG C 200 -
接种记录编号 JZJLBH C 30 r
受种者姓名 SZZXM C 50 -
受种者公民身份号码 SZZGMSFHM C 18 s
疫苗名称 YMMC C 100 -
疫苗批号 YMPH C 30 -
接种剂次 JZJC I 2 -
接种日期 JZRQ D 8 -
接种单位 JZDW C 200 -
死亡医学证明编号 SWYXZMBH C 20 r
死者姓名 SZXM2 C 50 -
死者公民身份号码 SZGMSFHM2 C 18 s
死亡地点 SWDD C 50 -
根本死亡原因 GBSWYY C 200 s 疾病名称及ICD-10编码
全国学籍号 QGXJH C 19 r
学校名称 XXMC C 200 -
学段 XD C 2 - 学前、小学、初中、高中
年级 NJ C 2 -
班级 BJ C 20 -
入学日期 RXRQ D 8 -
学籍状态 XJZT C 2 -
学校标识码 XXBSM C 10 r
办学类型 BXLX C 3 - 代码见JY/T 1001
举办者 JBZ C 200 -
学校地址 XXDZ C 200 -
校长姓名 XZXM C 50 -
在校生数 ZXSS I 6 -
教职工数 JZGS I 5 -
所在地行政区划代码 SZDXZQHDM C 6 - GB/T 2260
教师资格证书编号 JSZGZSBH C 20 r
资格种类 ZGZL C 20 -
任教学科 RJXK C 50 -
毕业证书编号 BYZSBH C 20 r
专业 ZY C 100 -
学历层次 XLCC C 2 -
毕业日期 BYRQ D 8 -
就业去向 JYQX C 100 -
办学许可证编号 BXXKZBH C 30 r
办学地址 BXDZ C 200 -
办学内容 BXNR C 500 -
个人公积金账号 GRGJJZH C 20 r
缴存单位名称 JCDWMC C 200 -
缴存基数 JCJS Y 12 - 单位：元
月缴存额 YJCE Y 10 - 单位：元
缴存比例 JCBL N 5 - 单位：%
账户状态 ZHZT C 2 -
开户日期 KHRQ D 8 -
缴至月份 JZYF C 6 - 格式YYYYMM
资质证书编号 ZZZSBH C 30 r
资质类别 ZZLB C 50 -
资质等级 ZZDJ C 20 -
预售许可证号 YSXKZH C 30 r
开发企业名称 KFQYMC C 200 -
项目坐落 XMZL C 200 -
预售面积 YSMJ B 16 - 单位：平方米
预售套数 YSTS I 6 -
保障编号 BZBH C 30 r
家庭人口数 JTRKS I 2 -
保障方式 BZFS C 2 - 实物配租或租赁补贴
租赁补贴金额 ZLBTJE Y 10 - 单位：元/月
房源地址 FYDZ C 200 -
保障起始日期 BZQSRQ D 8 -
施工许可证编号 SGXKZBH C 30 r
建设单位 JSDW C 200 -
建设地址 JSDZ C 200 -
合同价格 HTJG Y 18 - 单位：万元
建筑面积 JZMJ B 16 - 单位：平方米
施工单位 SGDW C 200 -
监理单位 JLDWMC C 200 -
注册证书编号 ZCZSBH C 30 r
注册专业 ZCZY C 50 -
聘用企业 PYQY C 200 -
项目代码 XMDM C 24 r 全国投资项目在线审批监管平台赋码
项目单位 XMDW C 200 -
建设地点 JSDD C 200 -
建设规模 JSGM M 1000 -
总投资 ZTZ Y 18 - 单位：万元
审批文号 SPWH C 100 -
审批日期 SPRQ D 8 -
审批部门 SPBM C 100 -
备案机关 BAJG C 100 -
年度计划投资 NDJHTZ Y 18 - 单位：万元
累计完成投资 LJWCTZ Y 18 - 单位：万元
形象进度 XXJD C 500 -
统计月份 TJYF C 6 - 格式YYYYMM
监测点编号 JCDBH C 20 r
商品名称 SPMC C 100 -
规格等级 GGDJ C 50 -
计量单位 JLDW C 10 -
价格 JG Y 12 - 单位：元
采价日期 CJRQ D 8 -
监测点名称 JCDMC C 200 -
主体名称 ZTMC C 200 -
评价等级 PJDJ C 2 -
评价分值 PJFZ N 5 -
案号 AH C 50 r
被执行人名称 BZXRMC C 200 -
被执行人证照号码 BZXRZZHM C 30 s
执行法院 ZXFY C 100 -
立案日期 LARQ D 8 -
失信情形 SXQX C 500 -
发布日期 FBRQ D 8 -
承诺书编号 CNSBH C 50 r
承诺类型 CNLX C 20 -
承诺事由 CNSY C 500 -
承诺日期 CNRQ D 8 -
承诺受理单位 CNSLDW C 200 -
行政许可决定文书号 XZXKJDWSH C 100 r
行政相对人名称 XZXDRMC C 200 -
许可类别 XKLB C 20 -
许可内容 XKNR M 1000 -
许可决定日期 XKJDRQ D 8 -
许可机关 XKJG C 100 -
修复申请编号 XFSQBH C 30 r
修复事项 XFSX C 500 -
申请日期 SQRQ D 8 -
修复结果 XFJG C 20 -
办理日期 BLRQ D 8 -
事项编码 SXBM C 40 r 国家政务服务平台事项编码
事项名称 SXMC C 200 -
事项类型 SXLX C 20 - 行政许可、行政确认等
实施主体 SSZT C 200 -
承诺办结时限 CNBJSX I 4 - 单位：工作日
收费标准 SFBZ C 500 -
办理地点 BLDD C 200 -
行使层级 XSCJ C 20 -
工单编号 GDBH C 30 r
来电时间 LDSJ T 14 -
诉求类型 SQLX C 20 - 咨询、求助、投诉、建议
诉求内容 SQNR M 4000 s
承办单位 CBDW C 200 -
办结时间 BJSJ T 14 -
满意度 MYD C 10 -
来电人联系电话 LDRLXDH C 20 s
评价编号 PJBH C 30 r
评价渠道 PJQD C 20 -
评价时间 PJSJ T 14 -
办理部门 BLBM C 200 -
证照类型代码 ZZLXDM C 24 r GB/T 36902
证照名称 ZZMC C 100 -
颁发部门 BFBM C 200 -
持证主体类型 CZZTLX C 20 -
证照数量 ZZSL I 10 -
统计编号 TJBH C 30 r
资源代码 ZYDM C 20 -
资源名称 ZYMC2 C 200 -
提供部门 TGBM C 200 -
使用部门 SYBM C 200 -
调用次数 DYCS I 10 -
道路运输经营许可证号 DLYSJYXKZH C 30 r
业户名称 YHMC C 200 -
从业资格证号 CYZGZH C 30 r
从业资格类别 CYZGLB C 50 -
初领日期 CLRQ2 D 8 -
道路运输证号 DLYSZH C 30 r
车牌号码 CPHM C 15 -
核定载质量 HDZZL B 10 - 单位：吨
路线编码 LXBM C 10 r
路线名称 LXMC C 100 -
技术等级 JSDJ C 10 -
起点桩号 QDZH N 10 -
止点桩号 ZDZH N 10 -
里程 LC B 10 - 单位：公里
管养单位 GYDW C 200 -
家庭农场名称 JTNCMC C 200 -
经营类型 JYLX C 20 -
经营面积 JYMJ B 12 - 单位：亩
认定级别 RDJB C 20 -
合作社名称 HZSMC C 200 -
成员数 CYS I 6 -
出资总额 CZZE Y 16 - 单位：万元
承包经营权证编号 CBJYQZBH C 30 r
承包方代表姓名 CBFDBXM C 50 -
承包方代表公民身份号码 CBFDBGMSFHM C 18 s
地块编码 DKBM C 19 -
承包地块面积 CBDKMJ B 12 - 单位：亩
承包期限起 CBQXQ D 8 -
承包期限止 CBQXZ D 8 -
经营品种 JYPZ C 200 -
动物防疫条件合格证编号 DWFYTJHGZBH C 30 r
场所类型 CSLX C 50 -
场所地址 CSDZ C 200 -
排污许可证编号 PWXKZBH C 30 r
行业类别 HYLB C 100 -
主要污染物类别 ZYWRWLB C 200 -
监测站点编码 JCZDBM C 20 r
站点名称 ZDMC C 100 -
监测时间 JCSJ T 14 -
空气质量指数 AQI I 4 -
PM2.5浓度 PM25 N 8 - 单位：微克/立方米
PM10浓度 PM10 N 8 - 单位：微克/立方米
首要污染物 SYWRW C 20 -
空气质量等级 KQZLDJ C 10 -
环评类别 HPLB C 20 - 报告书、报告表
重点排污单位类别 ZDPWDWLB C 50 -
纳入年度 NRND C 4 -
律师执业证号 LSZYZH C 17 r
执业机构 ZYJG C 200 -
首次执业日期 SCZYRQ D 8 -
执业状态 ZYZT C 2 -
公证书编号 GZSBH C 30 r
公证事项 GZSX C 100 -
当事人姓名 DSRXM C 50 -
当事人证件号码 DSRZJHM C 30 s
公证机构 GZJG C 200 -
公证员 GZY C 50 -
出证日期 CZRQ D 8 -
矫正类别 JZLB C 20 -
矫正期限起 JZQXQ D 8 -
矫正期限止 JZQXZ D 8 -
执行地 ZXD C 200 -
司法所 SFS C 200 -
法律援助案件编号 FLYZAJBH C 30 r
受援人姓名 SYRXM C 50 -
受援人公民身份号码 SYRGMSFHM C 18 s
案件类型 AJLX C 20 -
援助方式 YZFS C 20 -
承办机构 CBJG C 200 -
受理日期 SLRQ D 8 -
结案日期 JARQ D 8 -
调解组织编号 TJZZBH C 30 r
调解组织名称 TJZZMC C 200 -
所在地址 SZDZ C 200 -
人民调解员数 RMTJYS I 4 -
合同编号 HTBH C 50 r
采购项目名称 CGXMMC C 200 -
采购人 CGR C 200 -
供应商名称 GYSMC C 200 -
供应商统一社会信用代码 GYSTYSHXYDM C 18 -
合同金额 HTJE Y 18 - 单位：元
采购方式 CGFS C 20 -
预算单位编码 YSDWBM C 20 r
预算单位名称 YSDWMC C 200 -
功能科目 GNKM C 100 -
年度预算数 NDYSS Y 18 - 单位：万元
累计支出数 LJZCS Y 18 - 单位：万元
执行进度 ZXJD N 6 - 单位：%
缴款码 JKM C 20 r
执收单位 ZSDW C 200 -
缴款人 JKR C 200 s
收入项目 SRXM C 100 -
金额 JE Y 16 - 单位：元
缴款日期 JKRQ D 8 -
补贴项目 BTXM C 100 -
补贴金额 BTJE Y 12 - 单位：元
发放日期 FFRQ D 8 -
发放银行 FFYH C 100 -
参保类型 CBLX C 20 - 职工医保或城乡居民医保
缴费档次 JFDC C 10 -
医保个人编号 YBGRBH C 30 -
医药机构编码 YYJGBM C 20 r 国家医保信息业务编码
医药机构名称 YYJGMC C 200 -
机构类型 JGLX C 20 -
定点类别 DDLB C 20 -
协议有效期至 XYYXQZ D 8 -
结算编号 JSBH C 40 r
就诊类型 JZLX C 10 - 门诊或住院
医疗费用总额 YLFYZE Y 14 - 单位：元
基金支付金额 JJZFJE Y 14 - 单位：元
个人负担金额 GRFDJE Y 14 - 单位：元
结算日期 JSRQ D 8 -
病种名称 BZMC C 100 s
备案编号 BABH C 30 r
就医地行政区划代码 JYDXZQHDM C 6 - GB/T 2260
就医类型 JYLX2 C 20 -
备案有效期至 BAYXQZ D 8 -
安全生产许可证编号 AQSCXKZBH C 30 r
许可范围 XKFW M 1000 -
经营方式 JYFS C 50 -
储备库编码 CBKBM C 20 r
储备库名称 CBKMC C 200 -
物资名称 WZMC C 100 -
规格型号 GGXH C 100 -
储备数量 CBSL N 12 -
更新日期 GXRQ D 8 -
管理单位 GLDW C 200 -
灾情编号 ZQBH C 30 r
灾害类型 ZHLX C 20 -
发生时间 FSSJ T 14 -
影响区域行政区划代码 YXQYXZQHDM C 6 - GB/T 2260
受灾人口 SZRK I 8 -
死亡人口 SWRK I 6 -
直接经济损失 ZJJJSS Y 16 - 单位：万元
报送单位 BSDW C 200 -
事故编号 SGBH C 30 r
事故类型 SGLX C 20 -
事故等级 SGDJ C 10 -
事故发生时间 SGFSSJ T 14 -
事故单位名称 SGDWMC C 200 -
死亡人数 SWRS I 4 -
受伤人数 SSRS I 4 -
景区编号 JQBH C 20 r
景区名称 JQMC C 200 -
质量等级 ZLDJ C 5 - A至AAAAA
景区地址 JQDZ C 200 -
开放时间 KFSJ C 100 -
门票价格 MPJG Y 8 - 单位：元
咨询电话 ZXDH C 20 -
旅行社经营许可证号 LXSJYXKZH C 30 r
旅行社名称 LXSMC C 200 -
导游证号 DYZH C 30 r
语种 YZ C 20 -
导游等级 DYDJ C 10 -
所属旅行社 SSLXS C 200 -
文物保护单位编号 WWBHDWBH C 20 r
文物保护单位名称 WWBHDWMC C 200 -
保护级别 BHJB C 20 -
文物类别 WWLB C 20 -
时代 SD C 50 -
公布批次 GBPC C 20 -
场馆编号 CGBH C 20 r
场馆名称 CGMC C 200 -
场馆类型 CGLX C 20 - 图书馆、文化馆、博物馆、美术馆
场馆地址 CGDZ C 200 -
建筑面积数 JZMJS B 12 - 单位：平方米
入伍日期 RWRQ D 8 -
退役日期 TYRQ D 8 -
退役类别 TYLB C 20 -
安置方式 AZFS C 20 -
优抚对象类别 YFDXLB C 20 -
抚恤补助标准 FXBZBZ Y 10 - 单位：元/月
发放起始日期 FFQSRQ D 8 -
发放状态 FFZT C 2 -
服务站编码 FWZBM C 20 r
服务站名称 FWZMC C 200 -
服务站地址 FWZDZ C 200 -
负责人 FZR C 50 -
工作人员数 GZRYS I 4 -
光荣牌编号 GRPBH C 30 r
户主姓名 HZXM C 50 -
光荣牌类型 GRPLX C 20 -
悬挂日期 XGRQ D 8 -
统计区划代码 TJQHDM C 12 r 统计用区划代码
地区名称 DQMC C 100 -
统计期别 TJQB C 10 -
地区生产总值 DQSCZZ Y 18 - 单位：亿元
第一产业增加值 DYCYZJZ Y 18 - 单位：亿元
第二产业增加值 DECYZJZ Y 18 - 单位：亿元
第三产业增加值 DSCYZJZ Y 18 - 单位：亿元
增速 ZS2 N 6 - 单位：%
统计年度 TJND C 4 -
常住人口数 CZRKS I 10 - 单位：人
城镇人口数 CZRKS2 I 10 - 单位：人
城镇化率 CZHL N 6 - 单位：%
出生率 CSL N 6 - 单位：‰
死亡率 SWL N 6 - 单位：‰
居民人均可支配收入 JMRJKZPSR Y 12 - 单位：元
城镇居民人均可支配收入 CZJMRJKZPSR Y 12 - 单位：元
农村居民人均可支配收入 NCJMRJKZPSR Y 12 - 单位：元
行业代码 HYDM2 C 4 - GB/T 4754
企业规模 QYGM C 10 -
取水许可证编号 QSXKZBH C 30 r
取水权人名称 QSQRMC C 200 -
取水地点 QSDD C 200 -
取水方式 QSFS C 50 -
水源类型 SYLX C 20 -
许可取水量 XKQSL B 12 - 单位：万立方米
测站编码 CZBM C 8 r
测站名称 CZMC C 100 -
观测时间 GCSJ T 14 -
水位 SW N 8 - 单位：米
流量 LL N 10 - 单位：立方米/秒
所在河流 SZHL C 100 -
河湖编码 HHBM C 20 r
河湖名称 HHMC C 100 -
河湖长姓名 HHZXM C 50 -
河湖长职务 HHZZW C 100 -
管辖河段 GXHD C 200 -
林权证号 LQZH C 30 r
林权权利人 LQQLR C 200 s
林地面积 LDMJ B 12 - 单位：亩
林种 LZ C 20 -
主要树种 ZYSZ C 50 -
林木采伐许可证号 LMCFXKZH C 30 r
采伐地点 CFDD C 200 -
采伐方式 CFFS C 20 -
采伐蓄积 CFXJ B 10 - 单位：立方米
保护地编码 BHDBM C 20 r
保护地名称 BHDMC C 200 -
保护地级别 BHDJB C 20 -
保护地类型 BHDLX C 50 -
保护地面积 BHDMJ B 14 - 单位：公顷
管理机构 GLJG C 200 -
数据更新时间 SJGXSJ T 14 - 源系统最后更新该记录的时间
`

// items parses itemTable once; a malformed line is a defect in this file,
// which the package tests catch, so it panics.
var items = sync.OnceValue(func() map[string]huitong.Item {
	out := map[string]huitong.Item{}
	codes := map[string]string{}
	for n, line := range strings.Split(strings.TrimSpace(itemTable), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			panic(fmt.Sprintf("demo: item table line %d: %q has fewer than 5 fields", n+1, line))
		}
		length, err := strconv.Atoi(f[3])
		if err != nil {
			panic(fmt.Sprintf("demo: item table line %d: length %q: %v", n+1, f[3], err))
		}
		it := huitong.Item{
			Name:        f[0],
			Code:        f[1],
			Type:        huitong.ItemType(f[2]),
			Length:      length,
			Required:    strings.Contains(f[4], "r"),
			Sensitive:   strings.Contains(f[4], "s"),
			Description: strings.Join(f[5:], " "),
		}
		if _, dup := out[it.Name]; dup {
			panic(fmt.Sprintf("demo: item table line %d: item %s listed twice", n+1, it.Name))
		}
		if other, dup := codes[it.Code]; dup {
			panic(fmt.Sprintf("demo: item table line %d: code %s of %s already used by %s", n+1, it.Code, it.Name, other))
		}
		out[it.Name], codes[it.Code] = it, it.Name
	}
	return out
})

// keyKind is what the key item of that name identifies.
func keyKind(name string) huitong.KeyKind {
	switch name {
	case "公民身份号码":
		return huitong.KeyCitizenID
	case "统一社会信用代码":
		return huitong.KeyUSCC
	}
	return huitong.KeyOther
}

// itemList turns a template's item list ("*公民身份号码 姓名 ...", the star
// marking the key) into items. Unknown names are a defect in this package
// and panic; the package tests build every template.
func itemList(spec string) []huitong.Item {
	lib := items()
	var out []huitong.Item
	for _, name := range strings.Fields(spec) {
		key := strings.HasPrefix(name, "*")
		name = strings.TrimPrefix(name, "*")
		it, ok := lib[name]
		if !ok {
			panic(fmt.Sprintf("demo: item %q is not in the item table", name))
		}
		if key {
			it.Key, it.Required, it.KeyKind = true, true, keyKind(name)
		}
		out = append(out, it)
	}
	return out
}
