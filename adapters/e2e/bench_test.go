package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// BenchmarkZohoCallsPer1000ChangedRecords counts the Zoho calls of a pull
// run over 1,000 changed records, against the fake's call accounting, and
// fails when they exceed the minimum Zoho's limits allow: 10 writes of 100
// for a pull from the ERP into CRM (and no read), 5 list reads of 200 for a
// pull from the CRM (plus the one deleted-records read that tombstones
// cost).
func BenchmarkZohoCallsPer1000ChangedRecords(b *testing.B) {
	const n = 1000
	ctx := context.Background()

	b.Run("erp-to-crm", func(b *testing.B) {
		w := newWorld(b, worldOptions{noOAS: true})
		for i := range n {
			w.erpProduct(b, fmt.Sprintf("P-%04d", i), fmt.Sprintf("Product %d", i), "10.00")
		}
		p := pricesPipeline(b, w.store, w.erp, w.crmSide, w.clock)
		if _, err := p.Run(ctx); err != nil { // the backfill
			b.Fatal(err)
		}
		var writes, reads int
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			w.advance(time.Minute)
			if _, err := w.erpDB.Exec("UPDATE products SET price = ?, updated_at = ?", fmt.Sprintf("%d.00", 11+i), w.clock.Now().UTC()); err != nil {
				b.Fatal(err)
			}
			w.srv.ResetCalls()
			b.StartTimer()
			rep, err := p.Run(ctx)
			b.StopTimer()
			if err != nil || rep.Counts.Updated != n {
				b.Fatalf("run: %v: %s", err, rep)
			}
			writes += w.crmWrites()
			reads += w.crmReads()
			b.StartTimer()
		}
		runs := float64(b.N)
		b.ReportMetric(float64(writes)/runs, "zoho-writes/1000-records")
		b.ReportMetric(float64(reads)/runs, "zoho-reads/1000-records")
		if writes != 10*b.N || reads != 0 {
			b.Fatalf("%d writes and %d reads in %d runs; want 10 writes and no read per run", writes, reads, b.N)
		}
	})

	b.Run("crm-to-erp", func(b *testing.B) {
		w := newWorld(b, worldOptions{noOAS: true})
		recs := make([]zohotest.Record, n)
		for i := range recs {
			recs[i] = zohotest.Record{"Product_Name": fmt.Sprintf("Product %d", i), "Product_Code": fmt.Sprintf("P-%04d", i), "Unit_Price": json.Number("10.00")}
		}
		stored, err := w.srv.CRM().PutMany("Products", recs)
		if err != nil {
			b.Fatal(err)
		}
		m, err := transform.New("crm-product-to-erp", []transform.Rule{
			transform.Field("Product_Code", "sku"),
			transform.Field("Product_Name", "name"),
			transform.Field("Unit_Price", "price"),
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
		crmSide, err := crmadapter.New(w.crm, crmModules(), nil)
		if err != nil {
			b.Fatal(err)
		}
		p, err := sync.New(sync.Config{
			Name: "crm-products", DataType: "products", Strategy: sync.Pull,
			Left:    sync.Side{System: "CRM", DataType: "Products", Source: crmSide, Reader: crmSide},
			Right:   sync.Side{System: "ERP", DataType: "products", Sink: w.erp},
			Mapping: m, Store: w.store, Clock: w.clock,
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Run(ctx); err != nil { // the backfill
			b.Fatal(err)
		}
		var lists, deleted, writes int
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			w.advance(time.Minute)
			for _, r := range stored {
				if _, err := w.srv.CRM().Update("Products", r["id"].(string), zohotest.Record{"Unit_Price": json.Number(fmt.Sprintf("%d.00", 11+i))}); err != nil {
					b.Fatal(err)
				}
			}
			w.srv.ResetCalls()
			b.StartTimer()
			rep, err := p.Run(ctx)
			b.StopTimer()
			if err != nil || rep.Counts.Updated != n {
				b.Fatalf("run: %v: %s", err, rep)
			}
			lists += w.srv.Calls(crmList)
			deleted += w.srv.Calls(crmDeleted)
			writes += w.crmWrites()
			b.StartTimer()
		}
		runs := float64(b.N)
		b.ReportMetric(float64(lists)/runs, "zoho-list-reads/1000-records")
		b.ReportMetric(float64(deleted)/runs, "zoho-deleted-reads/run")
		b.ReportMetric(float64(writes)/runs, "zoho-writes/1000-records")
		if lists != 5*b.N || deleted != b.N || writes != 0 {
			b.Fatalf("%d list reads, %d deleted-records reads, %d writes in %d runs; want 5, 1 and 0 per run", lists, deleted, writes, b.N)
		}
	})
}
