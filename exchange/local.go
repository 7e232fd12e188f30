package exchange

import (
	"context"

	"huitong"
)

// A LocalSource answers for an API-mounted resource whose mount URL is a
// path the platform serves itself (huitong.PlatformSources): the data of
// key, the jurisdiction it belongs to ("" when none), or ENOTFOUND. The
// exchange has checked the grant before it asks, and projects, masks and
// audits the answer as it does a department API's.
type LocalSource func(ctx context.Context, key string) (data map[string]string, jurisdiction string, err error)

// ServeLocal answers the platform path with src. Call it before queries
// arrive; a path already served is replaced.
func (s *Service) ServeLocal(path string, src LocalSource) {
	s.local.Store(path, src)
}

// isLocal reports whether a resource is answered by a LocalSource.
func isLocal(res *resourceView) bool { return res.Mount.OnPlatform() }

// localFetch asks the source serving res's mount path.
func (s *Service) localFetch(ctx context.Context, res *resourceView, key string) (map[string]string, string, error) {
	src, ok := s.local.Load(res.Mount.URL)
	if !ok {
		return nil, "", refuse(huitong.EUNAVAILABLE, "upstream.local", "本平台未提供接口 %s", res.Mount.URL)
	}
	data, j, err := src.(LocalSource)(ctx, key)
	if err != nil {
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return nil, "", refuse(huitong.ENOTFOUND, "subject.not_found", "提供方没有该主体的数据")
		}
		return nil, "", err
	}
	// As from a department's API: only the resource's items, by code.
	out := make(map[string]string, len(data))
	for name, v := range data {
		if k, known := res.itemKey(name); known {
			out[k] = v
		}
	}
	return out, j, nil
}
