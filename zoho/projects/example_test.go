package projects_test

import (
	"context"
	"fmt"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/projects"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Close a task, against the fake Zoho (offline).
func Example() {
	srv, err := zohotest.Start(&zohotest.Options{DisableOAS: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	fake := srv.Projects()
	pr, _ := fake.AddProject("", zohotest.Record{"name": "Website relaunch"})
	_, _ = fake.AddTask("", pr["id"].(string), zohotest.Record{"name": "Publish"})

	ctx := context.Background()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := projects.New(zc)
	if err != nil {
		fmt.Println(err)
		return
	}
	portals, _, err := c.Portals.List(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	portal := portals[0].ID
	for p, err := range c.Projects.List(ctx, portal, nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		for task, err := range c.Tasks.List(ctx, portal, p.ID, nil) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(p.Name, "/", task.Name, "is", task.Status.Name)
			closed := fake.TaskStatusID("", "Closed") // in real life: a status id from your portal
			task, _, err = c.Tasks.UpdateStatus(ctx, portal, p.ID, task.ID, closed)
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(p.Name, "/", task.Name, "is", task.Status.Name)
		}
	}
	// Output:
	// Website relaunch / Publish is Open
	// Website relaunch / Publish is Closed
}
