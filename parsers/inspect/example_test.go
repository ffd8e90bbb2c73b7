package inspect_test

import (
	"context"
	"fmt"
	"os"

	"github.com/shoubao/shoubao/parsers/inspect"
)

// Inspect a forwarded submission and list what it holds.
func ExampleMessage() {
	f, err := os.Open("../mail/testdata/forwarded.eml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	n, err := inspect.Message(context.Background(), f, inspect.Options{})
	if err != nil {
		panic(err)
	}
	n.Walk(func(c *inspect.Node) {
		if c.Message != nil {
			fmt.Printf("%s: %s from %s (%s)\n", c.Kind, c.Message.Subject, c.Message.FromAddress, c.Message.Class)
			return
		}
		fmt.Printf("%s: %s\n", c.Kind, c.Name)
	})
	// Output:
	// message: 转发：沁水县科技活动周材料 from forwarder@126.com (submission)
	// message: 沁水县科技活动周材料 from unit@126.com (submission)
	// report: 沁水县活动总结.doc
	// photo: 现场.jpg
}
