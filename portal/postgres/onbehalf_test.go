package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// obRepresent stores that repBSN acts for subjBSN under kind (all parts), with both names.
func (d *testDB) obRepresent(t *testing.T, repBSN, subjBSN, kind string) portal.StoredRepresentation {
	t.Helper()
	r := representation(uuid.NewString())
	r.RepresentativeBSN, r.SubjectBSN, r.Kind, r.Parts = repBSN, subjBSN, kind, portal.RepresentationParts
	r.RepresentativeName = "Eva de Vries"
	if kind == portal.RepGuardianship {
		r.LegalBasis = portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "Rb. 2"}
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	s, _, err := d.PutRepresentation(context.Background(), r, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// obColumn reads one representation column of a row as text ("" for NULL).
func (d *testDB) obColumn(t *testing.T, table, col, id string) string {
	t.Helper()
	var v string
	if err := d.raw.QueryRow(context.Background(), `SELECT coalesce(`+col+`::text, '') FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func wantOnBehalf(t *testing.T, what string, got *portal.OnBehalf, rep portal.StoredRepresentation, names bool) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no representative named", what)
	}
	want := portal.OnBehalf{RepresentationID: rep.ID, Kind: rep.Kind}
	if names {
		want.RepresentativeName, want.SubjectName = rep.RepresentativeName, rep.SubjectName
	}
	if *got != want {
		t.Errorf("%s: %+v, want %+v", what, *got, want)
	}
}

// TestRequestOnBehalf: a request filed or withdrawn by a representative names the representation in
// its own row, written with the request; reads give it back (with the names when one request is
// read); a representation of someone else is refused and nothing is stored.
func TestRequestOnBehalf(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	parent, child, other := db.subject(t, bsnA), db.subject(t, bsnB), db.subject(t, bsnC)
	rep := db.obRepresent(t, bsnA, bsnB, portal.RepParentalAuthority)
	otherRep := db.obRepresent(t, bsnA, bsnC, portal.RepParentalAuthority)

	nr := reqNew(portal.KindInspection, "")
	nr.ByRepresentation = rep.ID
	r := db.reqFile(t, child, nr)
	wantOnBehalf(t, "created", r.FiledBy, rep, true)
	if got := db.obColumn(t, "rights_requests", "filed_by_representation", r.ID); got != rep.ID {
		t.Errorf("filed_by_representation = %q, want %q", got, rep.ID)
	}
	if r.SubjectID != child {
		t.Errorf("filed for subject %d, want the child %d", r.SubjectID, child)
	}
	got, err := db.Request(ctx, child, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOnBehalf(t, "read back", got.FiledBy, rep, true)
	if got.WithdrawnBy != nil {
		t.Errorf("WithdrawnBy = %+v before any withdrawal", got.WithdrawnBy)
	}
	if len(got.Steps) != 1 || got.Steps[0].Kind != portal.StepFiled || got.Steps[0].ActorKind != portal.ByCitizen {
		t.Errorf("timeline %+v, want one filed step on the citizen's side", got.Steps)
	}
	list, err := db.Requests(ctx, child)
	if err != nil || len(list) != 1 {
		t.Fatalf("Requests: %v %v", list, err)
	}
	wantOnBehalf(t, "list", list[0].FiledBy, rep, false)
	queue, err := db.Queue(ctx, portal.RequestFilter{Open: true})
	if err != nil || len(queue) != 1 {
		t.Fatalf("Queue: %v %v", queue, err)
	}
	wantOnBehalf(t, "queue", queue[0].FiledBy, rep, false)
	byID, err := db.RequestByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOnBehalf(t, "staff read", byID.FiledBy, rep, true)
	api, _, err := db.APIRequests(ctx, portal.RequestFilter{}, 0)
	if err != nil || len(api) != 1 {
		t.Fatalf("APIRequests: %v %v", api, err)
	}
	wantOnBehalf(t, "back-office list", api[0].FiledBy, rep, false)

	// The person's own request names nobody.
	self := db.reqFile(t, parent, reqNew(portal.KindObjection, ""))
	if self.FiledBy != nil || db.obColumn(t, "rights_requests", "filed_by_representation", self.ID) != "" {
		t.Errorf("own request names a representation: %+v", self.FiledBy)
	}

	// Another person's representation, an unknown one or a malformed id: refused, nothing stored.
	before := db.count(t, "rights_requests")
	for _, id := range []string{otherRep.ID, uuid.NewString(), "not-a-uuid"} {
		nr := reqNew(portal.KindInspection, "")
		nr.ByRepresentation = id
		_, err := db.CreateRequest(ctx, child, nr)
		reqWantCode(t, "filing under "+id, err, portal.EINVALID)
	}
	if n := db.count(t, "rights_requests"); n != before {
		t.Errorf("%d requests after refused filings, want %d", n, before)
	}
	reqWantCode(t, "withdrawing under another's representation", db.WithdrawRequestBy(ctx, child, r.ID, otherRep.ID), portal.EINVALID)
	if got := db.obColumn(t, "rights_requests", "status", r.ID); got != string(portal.StatusReceived) {
		t.Errorf("status after a refused withdrawal = %s", got)
	}
	reqWantCode(t, "withdrawing another's request", db.WithdrawRequestBy(ctx, other, r.ID, otherRep.ID), portal.ENOTFOUND)

	if err := db.WithdrawRequestBy(ctx, child, r.ID, rep.ID); err != nil {
		t.Fatal(err)
	}
	if got := db.obColumn(t, "rights_requests", "withdrawn_by_representation", r.ID); got != rep.ID {
		t.Errorf("withdrawn_by_representation = %q, want %q", got, rep.ID)
	}
	got, err = db.Request(ctx, child, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOnBehalf(t, "withdrawn", got.WithdrawnBy, rep, true)
	wantOnBehalf(t, "filed, after the withdrawal", got.FiledBy, rep, true)
	if got.Status != portal.StatusWithdrawn {
		t.Errorf("status %s", got.Status)
	}

	// The person withdrawing a request a representative filed: no representative on the withdrawal.
	r2 := db.reqFile(t, child, nr)
	if err := db.WithdrawRequest(ctx, child, r2.ID); err != nil {
		t.Fatal(err)
	}
	got, err = db.Request(ctx, child, r2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.WithdrawnBy != nil || got.FiledBy == nil {
		t.Errorf("filed by %+v, withdrawn by %+v; want the representative and the person", got.FiledBy, got.WithdrawnBy)
	}
}

// TestConsentOnBehalf: a decision or withdrawal by a representative names the representation; a
// request is decided once (a second parent cannot decide again, a grant can only be withdrawn); a
// child's own answer leaves the request pending until the decision and stands after it.
func TestConsentOnBehalf(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	child, other := db.subject(t, bsnB), db.subject(t, bsnC)
	mother := db.obRepresent(t, bsnA, bsnB, portal.RepParentalAuthority)
	father := db.obRepresent(t, bsnD, bsnB, portal.RepParentalAuthority)
	otherRep := db.obRepresent(t, bsnA, bsnC, portal.RepParentalAuthority)

	// The child's own answer first: stored beside, the request stays pending; it may change.
	x := db.csCreate(t, csNew(bsnB, "2025-12-31"))
	c, err := db.RecordOwnConsentAnswer(ctx, child, x.ID, portal.ConsentRefused, "Liever niet")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != portal.ConsentPending || c.DecidedAt != nil || c.OwnAnswer != portal.ConsentRefused ||
		c.OwnAnswerAt == nil || !c.OwnAnswerAt.Equal(t0) || c.OwnAnswerComment != "Liever niet" {
		t.Errorf("after the own answer: %+v", c)
	}
	db.clock.Advance(1)
	if c, err = db.RecordOwnConsentAnswer(ctx, child, x.ID, portal.ConsentGranted, ""); err != nil || c.OwnAnswer != portal.ConsentGranted || c.OwnAnswerComment != "" {
		t.Errorf("changing the own answer: %+v %v", c, err)
	}
	for _, bad := range []string{portal.ConsentWithdrawn, "", "ja"} {
		_, err := db.RecordOwnConsentAnswer(ctx, child, x.ID, bad, "")
		reqWantCode(t, "own answer "+bad, err, portal.EINVALID)
	}
	_, err = db.RecordOwnConsentAnswer(ctx, other, x.ID, portal.ConsentGranted, "")
	reqWantCode(t, "own answer to another's request", err, portal.ENOTFOUND)

	// Another person's representation cannot decide; nothing changes.
	_, err = db.DecideConsentBy(ctx, child, x.ID, portal.ConsentGranted, "", otherRep.ID)
	reqWantCode(t, "deciding under another's representation", err, portal.EINVALID)
	if got := db.obColumn(t, "consents", "status", x.ID); got != portal.ConsentPending {
		t.Fatalf("status after a refused decision = %s", got)
	}

	// The mother decides for the child.
	c, err = db.DecideConsentBy(ctx, child, x.ID, portal.ConsentGranted, "Namens Daan", mother.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := db.obColumn(t, "consents", "decided_by_representation", x.ID); got != mother.ID {
		t.Errorf("decided_by_representation = %q, want %q", got, mother.ID)
	}
	wantOnBehalf(t, "decision", c.DecidedBy, mother, true)
	if c.Status != portal.ConsentGranted || c.OwnAnswer != portal.ConsentGranted || c.Comment != "Namens Daan" {
		t.Errorf("after the decision: %+v", c)
	}
	// The father cannot decide again, differently or the same; the child's own answer stands.
	for _, d := range []string{portal.ConsentRefused, portal.ConsentGranted} {
		_, err := db.DecideConsentBy(ctx, child, x.ID, d, "", father.ID)
		reqWantCode(t, "second parent deciding "+d, err, portal.EINVALID)
	}
	_, err = db.RecordOwnConsentAnswer(ctx, child, x.ID, portal.ConsentRefused, "")
	reqWantCode(t, "own answer after the decision", err, portal.EINVALID)
	// He can withdraw the grant; the withdrawal names his representation.
	c, err = db.DecideConsentBy(ctx, child, x.ID, portal.ConsentWithdrawn, "", father.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOnBehalf(t, "withdrawal", c.WithdrawnBy, father, true)
	wantOnBehalf(t, "decision after the withdrawal", c.DecidedBy, mother, true)
	if got := db.obColumn(t, "consents", "withdrawn_by_representation", x.ID); got != father.ID {
		t.Errorf("withdrawn_by_representation = %q, want %q", got, father.ID)
	}
	list, err := db.CitizenConsents(ctx, child)
	if err != nil || len(list) != 1 {
		t.Fatalf("CitizenConsents: %v %v", list, err)
	}
	wantOnBehalf(t, "list", list[0].DecidedBy, mother, true)
	byID, err := db.ConsentByID(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOnBehalf(t, "by id", byID.WithdrawnBy, father, true)

	// A decision by the person themselves names nobody, and neither does their own withdrawal.
	y := db.csCreate(t, csNew(bsnB, "2025-12-31"))
	c = db.csDecide(t, child, y.ID, portal.ConsentGranted)
	if c.DecidedBy != nil || c.OwnAnswer != "" || c.OwnAnswerAt != nil {
		t.Errorf("own decision: %+v", c)
	}
	c = db.csDecide(t, child, y.ID, portal.ConsentWithdrawn)
	if c.WithdrawnBy != nil || db.obColumn(t, "consents", "withdrawn_by_representation", y.ID) != "" {
		t.Errorf("own withdrawal names a representative: %+v", c.WithdrawnBy)
	}

	// An expired request takes no own answer.
	z := db.csCreate(t, csNew(bsnB, "2025-06-30"))
	db.clock.Set(t0.AddDate(0, 2, 0))
	_, err = db.RecordOwnConsentAnswer(ctx, child, z.ID, portal.ConsentGranted, "")
	reqWantCode(t, "own answer to an expired request", err, portal.EINVALID)
}
