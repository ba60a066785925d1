package zohotest

import (
	"net/http"
	"strings"
)

// Metadata: GET /settings/modules, /settings/modules/{module},
// /settings/fields, /users and /org, shaped after Zoho's modules.json,
// fields.json, users.json and org.json (the commonly read properties, not
// every one the documents list).

func (c *CRM) moduleJSON(m *moduleState, seq int) map[string]any {
	gen := "default"
	if m.custom {
		gen = "custom"
	}
	return map[string]any{
		"id": m.id, "api_name": m.def.APIName, "module_name": m.def.PluralLabel,
		"singular_label": m.def.SingularLabel, "plural_label": m.def.PluralLabel,
		"generated_type": gen, "api_supported": true, "creatable": true, "editable": true,
		"deletable": true, "viewable": true, "visible": true, "visibility": 1, "status": "visible",
		"sequence_number": seq, "convertable": m.def.APIName == "Leads", "quick_create": true,
		"triggers_supported": true, "global_search_supported": true, "show_as_tab": true,
		"modified_time": nil, "modified_by": nil, "presence_sub_menu": false,
		"display_field": map[string]any{"api_name": m.def.DisplayField},
	}
}

// handleModules serves GET /settings/modules.
func (c *CRM) handleModules(ex *exchange) {
	c.serve(ex, func() answer {
		mods := make([]any, 0, len(c.order))
		for i, m := range c.order {
			mods = append(mods, c.moduleJSON(m, i+1))
		}
		return answer{status: http.StatusOK, body: map[string]any{"modules": mods}}
	})
}

// handleModule serves GET /settings/modules/{module}.
func (c *CRM) handleModule(ex *exchange) {
	c.serve(ex, func() answer {
		for i, m := range c.order {
			if strings.EqualFold(m.def.APIName, ex.param("module")) {
				return answer{status: http.StatusOK, body: map[string]any{"modules": []any{c.moduleJSON(m, i+1)}}}
			}
		}
		return errAnswer(http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", map[string]any{"resource_path_index": 3})
	})
}

// jsonType is Zoho's json_type of a data type.
func jsonType(t FieldType) string {
	switch t {
	case FieldInteger:
		return "integer"
	case FieldDouble, FieldCurrency:
		return "double"
	case FieldBoolean:
		return "boolean"
	case FieldLookup, FieldOwner:
		return "jsonobject"
	case FieldMultiSelect:
		return "jsonarray"
	}
	return "string"
}

func (c *CRM) fieldJSON(m *moduleState, f Field, seq int, system bool) map[string]any {
	out := map[string]any{
		"api_name": f.APIName, "id": m.id + "_" + f.APIName, "field_label": f.Label, "display_label": f.Label,
		"data_type": string(f.Type), "json_type": jsonType(f.Type), "system_mandatory": f.Mandatory,
		"custom_field": (m.custom || m.added[f.APIName]) && !system, "read_only": f.ReadOnly || system, "field_read_only": f.ReadOnly || system,
		"visible": true, "sequence_number": seq, "unique": nil, "lookup": map[string]any{},
	}
	switch f.Type {
	case FieldText, FieldTextArea, FieldEmail, FieldPhone, FieldWebsite, FieldPicklist:
		out["length"] = f.maxLength()
	}
	if f.Unique {
		out["unique"] = map[string]any{"casesensitive": "false"}
	}
	if f.Type == FieldLookup {
		ref := map[string]any{"api_name": f.LookupModule, "id": nil}
		if t := c.module(f.LookupModule); t != nil {
			ref["api_name"], ref["id"] = t.def.APIName, t.id
		}
		out["lookup"] = map[string]any{"module": ref, "display_label": f.Label, "api_name": nil, "id": nil}
	}
	return out
}

// handleFields serves GET /settings/fields?module=X.
func (c *CRM) handleFields(ex *exchange) {
	c.serve(ex, func() answer {
		name := ex.r.URL.Query().Get("module")
		if name == "" {
			return errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "module"})
		}
		m := c.module(name)
		if m == nil {
			return errAnswer(http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", map[string]any{"param_name": "module"})
		}
		fields := make([]any, 0, len(m.def.Fields)+4)
		for i, f := range m.def.Fields {
			fields = append(fields, c.fieldJSON(m, f, i+1, false))
		}
		for i, s := range []Field{{APIName: "Created_By", Type: FieldOwner}, {APIName: "Modified_By", Type: FieldOwner},
			{APIName: "Created_Time", Type: FieldDateTime}, {APIName: "Modified_Time", Type: FieldDateTime}} {
			s.Label = strings.ReplaceAll(s.APIName, "_", " ")
			fields = append(fields, c.fieldJSON(m, s, len(m.def.Fields)+i+1, true))
		}
		return answer{status: http.StatusOK, body: map[string]any{"fields": fields}}
	})
}

func (c *CRM) userJSON() map[string]any {
	u := c.s.opts.CurrentUser
	return map[string]any{
		"id": u.ID, "zuid": u.ID, "first_name": u.FirstName, "last_name": u.LastName, "full_name": u.Name(),
		"email": u.Email, "status": "active", "confirm": true, "locale": "en_US", "language": "en_US",
		"time_zone": c.s.opts.TimeZone.String(),
		"role":      map[string]any{"name": "CEO", "id": c.s.opts.OrgID + "1"},
		"profile":   map[string]any{"name": "Administrator", "id": c.s.opts.OrgID + "2"},
	}
}

// handleUsers serves GET /users?type=...: the fake has one user, the
// current one, active and confirmed.
func (c *CRM) handleUsers(ex *exchange) {
	c.serve(ex, func() answer {
		switch ex.r.URL.Query().Get("type") {
		case "DeactiveUsers", "NotConfirmedUsers":
			return answer{status: http.StatusNoContent}
		}
		return answer{status: http.StatusOK, body: map[string]any{
			"users": []any{c.userJSON()},
			"info":  map[string]any{"per_page": maxPerPage, "count": 1, "page": 1, "more_records": false},
		}}
	})
}

// handleOrg serves GET /org. Its zgid is the org id bulk write's X-CRM-ORG
// header carries.
func (c *CRM) handleOrg(ex *exchange) {
	c.serve(ex, func() answer {
		o := c.s.opts
		return answer{status: http.StatusOK, body: map[string]any{"org": []any{map[string]any{
			"id": o.OrgID, "zgid": o.OrgID, "domain_name": "org" + o.OrgID, "company_name": o.CompanyName,
			"primary_email": o.CurrentUser.Email, "primary_zuid": o.CurrentUser.ID, "time_zone": o.TimeZone.String(),
			"iso_code": "USD", "currency_symbol": "$", "currency_locale": "en_US", "country_code": "US",
			"type": "production", "max_per_page": maxPerPage, "mc_status": false, "gapps_enabled": false,
		}}}}
	})
}
