using System.CommandLine;
using Conjur.EventSourced.Bench;

// ./cluster bench ingest | rebuild | storage: each starts its own throwaway services on the given base port and stops them after.
var basePort = new Option<int>("--base-port") { Description = "First port of the throwaway services (Postgres on +31, RabbitMQ on +20)", DefaultValueFactory = _ => 22400, Recursive = true };
var root = new RootCommand("Benchmarks of the control plane's event store") { basePort };

var nodes = new Option<int>("--nodes") { Description = "Simulated agents", DefaultValueFactory = _ => 100 };
var rate = new Option<int>("--rate") { Description = "Heartbeats per second in total", DefaultValueFactory = _ => 10_000 };
var seconds = new Option<int>("--seconds") { Description = "How long to publish at the rate (the measured window)", DefaultValueFactory = _ => 30 };
var warmUp = new Option<int>("--warmup") { Description = "Seconds of ramping up to the rate before the measured window (0: start at the full rate)", DefaultValueFactory = _ => 15 };
var writers = new Option<int>("--writers") { Description = "The recorder's parallel writers (ControlPlane:Ingest:Writers)", DefaultValueFactory = _ => 4 };
var ingest = new Command("ingest", "Flood the real RabbitMQ with simulated agents' heartbeats into the control plane's consumers; print events/s, projection lag, the ratio to a plain Marten append, table sizes")
    { nodes, rate, seconds, warmUp, writers };
ingest.SetAction((p, ct) => IngestBench.RunAsync(p.GetValue(nodes), p.GetValue(rate), p.GetValue(seconds), p.GetValue(warmUp), p.GetValue(basePort), p.GetValue(writers), ct));

var events = new Option<long>("--events") { Description = "Events to seed", DefaultValueFactory = _ => 1_000_000 };
var rebuildNodes = new Option<int>("--nodes") { Description = "Simulated nodes", DefaultValueFactory = _ => 100 };
var rebuild = new Command("rebuild", "Seed N events and rebuild every projection from them, timed") { events, rebuildNodes };
rebuild.SetAction((p, ct) => RebuildBench.RunAsync(p.GetValue(events), p.GetValue(rebuildNodes), p.GetValue(basePort), ct));

var storageNodes = new Option<int>("--nodes") { Description = "Simulated nodes", DefaultValueFactory = _ => 100 };
var hours = new Option<int>("--hours") { Description = "Span of simulated reports", DefaultValueFactory = _ => 48 };
var interval = new Option<int>("--interval") { Description = "Seconds between a node's simulated reports (1 is the real rate; larger compresses the run)", DefaultValueFactory = _ => 60 };
var window = new Option<int>("--window-hours") { Description = "Retention window (ControlPlane:Retention:HeartbeatWindow)", DefaultValueFactory = _ => 24 };
var storage = new Command("storage", "Simulate hours of heartbeats, apply retention, print table sizes against the documented bound") { storageNodes, hours, interval, window };
storage.SetAction((p, ct) => StorageBench.RunAsync(p.GetValue(storageNodes), p.GetValue(hours), p.GetValue(interval), TimeSpan.FromHours(p.GetValue(window)), p.GetValue(basePort), ct));

var messages = new Option<int>("--messages") { Description = "Messages to publish, then drain", DefaultValueFactory = _ => 100_000 };
var prefetch = new Option<int>("--prefetch") { Description = "Consumer prefetch", DefaultValueFactory = _ => 2000 };
var batch = new Option<int>("--batch") { Description = "MassTransit batch message limit", DefaultValueFactory = _ => 1000 };
var consumers = new Option<int>("--concurrency") { Description = "MassTransit batches in flight at once", DefaultValueFactory = _ => 1 };
var ordered = new Option<bool>("--ordered") { Description = "MassTransit side: a plain consumer handing each message to the control plane's NodeReportBatcher (empty recording), instead of Batch<>" };
var bus = new Command("bus", "The bus alone: publish then drain heartbeat-sized messages with the bare RabbitMQ client and with MassTransit and an empty consumer")
    { messages, prefetch, batch, consumers, ordered };
bus.SetAction((p, ct) => BusBench.RunAsync(p.GetValue(messages), p.GetValue(prefetch), p.GetValue(batch), p.GetValue(consumers), p.GetValue(ordered), p.GetValue(basePort), ct));

root.Subcommands.Add(ingest);
root.Subcommands.Add(bus);
root.Subcommands.Add(rebuild);
root.Subcommands.Add(storage);
return await root.Parse(args).InvokeAsync();
