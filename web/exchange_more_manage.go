package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"huitong"
)

// The provider's side of a grant: revoke it, change its limits, and for an
// API-mounted resource set the credential the platform presents to the
// provider's own endpoint. Every handler checks on the server who may act
// before it asks the exchange service, which checks again and audits.

func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	if !d.Manage {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有提供方部门或数据主管部门可以撤销共享授权 %d", d.G.ID)
	}
	d.Reason = strings.TrimSpace(r.PostFormValue("reason"))
	var v huitong.Validation
	if d.Reason == "" {
		v.Add("reason", "required", "撤销理由必填，将告知使用部门")
	}
	if r.PostFormValue("confirm") != "yes" {
		v.Add("confirm", "required", "请勾选“确认撤销”：撤销立即生效且不能恢复")
	}
	err = v.Err()
	if err == nil {
		_, err = s.Exchange.Revoke(r.Context(), d.G.ID, d.Reason)
	}
	if err != nil {
		return s.formFailed(w, r, rq, d, "revoke", err)
	}
	s.redirect(w, r, grantPath(d.G.ID), false, "已撤销授权 "+strconv.FormatInt(d.G.ID, 10)+"：使用部门即刻不能再以此授权查询、核验、订阅或导出，理由已记录")
	return nil
}

func (s *Server) setGrantLimits(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	if !d.Manage {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有提供方部门或数据主管部门可以调整共享授权 %d 的限额", d.G.ID)
	}
	d.Quota, d.Rate = strings.TrimSpace(r.PostFormValue("dailyQuota")), strings.TrimSpace(r.PostFormValue("ratePerSec"))
	var v huitong.Validation
	quota, qerr := strconv.Atoi(d.Quota)
	if qerr != nil {
		v.Add("dailyQuota", "integer", "每日限额应为整数(个主体，0 表示不限)，收到 %q", d.Quota)
	}
	rate, rerr := strconv.ParseFloat(d.Rate, 64)
	if rerr != nil || math.IsNaN(rate) || math.IsInf(rate, 0) {
		v.Add("ratePerSec", "number", "频率限制应为数字(次/秒，0 表示不限)，收到 %q", d.Rate)
	}
	err = v.Err()
	if err == nil {
		_, err = s.Exchange.SetLimits(r.Context(), d.G.ID, quota, rate)
	}
	if err != nil {
		return s.formFailed(w, r, rq, d, "limits", err)
	}
	s.redirect(w, r, grantPath(d.G.ID), false, "已调整授权 "+strconv.FormatInt(d.G.ID, 10)+" 的限额：每日 "+limitText(quota, "个主体")+"，每秒 "+limitText(rate, "次")+"，立即生效")
	return nil
}

// limitText says a limit, 0 meaning none.
func limitText[T int | float64](n T, unit string) string {
	if n == 0 {
		return "不限"
	}
	return strconv.FormatFloat(float64(n), 'f', -1, 64) + " " + unit
}

// setGrantCredential stores the credential of an API-mounted resource.
// The department admin of the provider sets it; the value is sealed by
// the service and never shown again, not even on a failed form.
func (s *Server) setGrantCredential(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	if !d.APIMounted {
		return huitong.Errorf(huitong.EINVALID, "资源 %s 不是挂接为部门接口的资源，没有接口凭据", d.G.Resource)
	}
	if !d.CanSetCred {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有提供方部门的管理员可以设置资源 %s 的接口凭据", d.G.Resource)
	}
	d.Header = strings.TrimSpace(r.PostFormValue("header"))
	err = s.Exchange.SetCredential(r.Context(), d.G.Resource, d.Header, r.PostFormValue("value"))
	if err != nil {
		return s.formFailed(w, r, rq, d, "credential", err)
	}
	s.redirect(w, r, grantPath(d.G.ID), false, "已更新资源 "+d.G.Resource+" 的接口凭据；凭据值已加密保存，不再显示")
	return nil
}
