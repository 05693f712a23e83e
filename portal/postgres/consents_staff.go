package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// consentStateSQL is the condition for a consent request's state now ($1 the time): a pending or
// granted request past its end date (Europe/Amsterdam) is expired, as portal.Consent.StatusAt says.
func consentStateSQL(state string) (string, error) {
	today := `($1::timestamptz AT TIME ZONE 'Europe/Amsterdam')::date`
	switch state {
	case "":
		return `true`, nil
	case portal.ConsentPending, portal.ConsentGranted:
		return `c.status = '` + state + `' AND c.valid_until >= ` + today, nil
	case portal.ConsentExpired:
		return `(c.status = 'expired' OR (c.status IN ('pending','granted') AND c.valid_until < ` + today + `))`, nil
	case portal.ConsentRefused, portal.ConsentWithdrawn:
		return `c.status = '` + state + `'`, nil
	}
	return "", portal.Errorf(portal.EINVALID, "unknown consent state %q", state)
}

// StaffConsents lists consent requests for staff, newest first, with the citizen's masked BSN, the
// citizen's remark, the child's own answer and who decided on the person's behalf (names filled).
// Listing is not recorded as a view; opening one is (OpenConsent).
func (db *DB) StaffConsents(ctx context.Context, f portal.ConsentFilter) ([]portal.StaffConsent, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 500
	}
	cond, err := consentStateSQL(f.State)
	if err != nil {
		return nil, err
	}
	cond = `$1::timestamptz IS NOT NULL AND ` + cond // $1 (now) is typed when the state needs no date
	args := []any{db.now()}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.From.IsZero() {
		cond += ` AND c.created_at >= ` + arg(f.From)
	}
	if !f.To.IsZero() {
		cond += ` AND c.created_at < ` + arg(f.To)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		p := arg("%" + likeEscape(q) + "%")
		cond += ` AND (c.reference ILIKE ` + p + ` OR c.case_ref ILIKE ` + p + `)`
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+consentCols+`, s.bsn_key_id, s.bsn_enc, s.bsn_hmac
FROM consents c JOIN subjects s ON s.id = c.subject_id WHERE `+cond+`
ORDER BY c.created_at DESC, c.number DESC LIMIT `+arg(f.Limit)+` OFFSET `+arg(max(f.Offset, 0)), args...)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.StaffConsent, error) {
		return db.scanStaffConsent(r)
	})
	for i := range out {
		if err == nil {
			err = db.fillConsentNames(ctx, db.pool, &out[i].Consent)
		}
	}
	return out, wrapErr("staff consents", err)
}

// scanStaffConsent reads consentCols and the subject's sealed BSN, which it opens to mask.
func (db *DB) scanStaffConsent(row pgx.Row) (portal.StaffConsent, error) {
	var sc portal.StaffConsent
	var sub subjectRow
	if err := scanConsentInto(row, &sc.Consent, &sub.keyID, &sub.enc, &sub.hmac); err != nil {
		return sc, err
	}
	c := &sc.Consent
	sub.id = c.SubjectID
	bsn, err := db.openBSN(sub)
	if err != nil {
		return sc, err
	}
	sc.MaskedBSN = portal.MaskBSN(bsn)
	return sc, nil
}

// OpenConsent returns one consent request for staff and records the view in the person's processing
// log in the same transaction (no view without its log entry), under the consent register entry,
// citing the request's TS reference.
func (db *DB) OpenConsent(ctx context.Context, id string, by portal.Staff, municipality string) (portal.StaffConsent, error) {
	var out portal.StaffConsent
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := uuid.Parse(id); err != nil {
			return errNoConsent
		}
		sc, err := db.scanStaffConsent(tx.QueryRow(ctx, `SELECT `+consentCols+`, s.bsn_key_id, s.bsn_enc, s.bsn_hmac
FROM consents c JOIN subjects s ON s.id = c.subject_id WHERE c.id = $1::uuid`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoConsent
		}
		if err != nil {
			return err
		}
		if err := db.fillConsentNames(ctx, tx, &sc.Consent); err != nil {
			return err
		}
		subject, err := lookupSubject(ctx, tx, sc.SubjectID)
		if err != nil {
			return err
		}
		if err := db.recordStaffView(ctx, tx, subject, portal.StaffView{By: by, RoleLabel: portal.RoleLabel(by.Role()),
			Municipality: municipality, Activity: portal.ConsentActivity, Level: "what", Categories: []string{"identity", "consent"},
			AccessBasis: portal.BasisFunction, CaseRef: sc.Reference}, now, nil); err != nil {
			return err
		}
		out = sc
		return nil
	})
	return out, wrapErr("open consent", err)
}

// likeEscape escapes the LIKE wildcards in s, so a search finds them as typed.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
