// Command franz-go-client runs franz-go (github.com/twmb/franz-go) against a broker for gregor's
// compatibility tests and reports what the application sees as JSON lines on stdout.
//
//	consume <bootstrap> <topic>...   consume the topics from the start until stdin closes; prints {"event":"consumed"}
//	                                 once every topic gave a record, then {"event":"done",...}
//	transact <bootstrap> <topic>     produce one record in a transaction; prints the outcome
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: franz-go-client consume|transact <bootstrap> ...")
	}
	switch os.Args[1] {
	case "consume":
		if len(os.Args) < 4 {
			fail("usage: consume <bootstrap> <topic>...")
		}
		consume(os.Args[2], os.Args[3:])
	case "transact":
		if len(os.Args) != 4 {
			fail("usage: transact <bootstrap> <topic>")
		}
		transact(os.Args[2], os.Args[3])
	default:
		fail("unknown mode " + os.Args[1])
	}
}

// consume polls until stdin closes, counting records and the fetch errors handed to the application.
func consume(bootstrap string, topics []string) {
	client, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		fail(err.Error())
	}
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	seen := map[string]bool{}
	records, errs := 0, 0
	for ctx.Err() == nil {
		fetches := client.PollFetches(ctx)
		fetches.EachError(func(topic string, _ int32, err error) {
			if ctx.Err() == nil {
				errs++
			}
		})
		fetches.EachRecord(func(r *kgo.Record) {
			records++
			if !seen[r.Topic] {
				seen[r.Topic] = true
				if len(seen) == len(topics) {
					emit(map[string]any{"event": "consumed"})
				}
			}
		})
	}
	emit(map[string]any{"event": "done", "records": records, "errors": errs})
}

// transact runs one transaction and reports how it ended, with the error the client gives the application.
func transact(bootstrap string, topic string) {
	client, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.TransactionalID("gregor-txn"), kgo.DefaultProduceTopic(topic))
	if err != nil {
		fail(err.Error())
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started := time.Now()
	err = client.BeginTransaction()
	if err == nil {
		err = client.ProduceSync(ctx, &kgo.Record{Value: []byte("in a transaction")}).FirstErr()
	}
	if err == nil {
		err = client.EndTransaction(ctx, kgo.TryCommit)
	}
	outcome := map[string]any{"event": "transacted", "ms": time.Since(started).Milliseconds()}
	if err != nil {
		outcome["error"] = err.Error()
	}
	emit(outcome)
}

func emit(event map[string]any) {
	line, _ := json.Marshal(event)
	fmt.Println(string(line))
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(2)
}
