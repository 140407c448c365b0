using ConfigurationException = Conjur.EventSourced.Hosting.Topology.ConfigurationException;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Failover;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Health;
using Conjur.EventSourced.NodeAgent.Heartbeats;
using Conjur.EventSourced.NodeAgent.Postgres;
using Conjur.EventSourced.NodeAgent.Secrets;
using Conjur.EventSourced.NodeAgent.Secrets.Limits;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.NodeAgent.Telemetry;
using Conjur.EventSourced.NodeAgent.Trust;
using OpenTelemetry.Metrics;
using MassTransit;

// The node agent: one per node. Usage: NodeAgent --config <state>/cluster.json --node <id>
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

ClusterConfig config;
NodeConfig node;
IPeerAuthentication peers;
try
{
    var path = Arg("--config") ?? Environment.GetEnvironmentVariable("CONJUR_CONFIG")
        ?? throw new ConfigurationException("missing --config <path to cluster.json>");
    var nodeId = Arg("--node") ?? Environment.GetEnvironmentVariable("CONJUR_NODE")
        ?? throw new ConfigurationException("missing --node <node id>");
    config = ClusterConfig.Load(path);
    node = config.Node(nodeId);
    // Fail at start, with the file's name, rather than at the first broker login (under TLS the certificate is the login).
    if (!config.Tls.Enabled)
    {
        _ = BrokerLogin.ForAgent(config, node.Id).Password();
    }
    // The secrets API's data key: without it no stored value can be read, so refuse to start.
    _ = config.DataKey();
    _ = config.EtcdNodeCredentials(node.Id);
    // Its own certificates, before it listens or connects anywhere: a bad one stops it here, naming the file.
    CertificateCheck.Require(config, config.Agent(node));
    CertificateCheck.Require(config, config.Postgres(node));
    peers = new HmacPeerAuthentication(config, node);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"node agent: {e.Message}");
    return 2;
}

// The launcher starts agents from '/': look for appsettings.json beside the binary, not in the working folder.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// One reloading copy of its certificate for its listeners and its calls on the master: a rotation needs no restart.
var agentCertificates = AgentCertificates.For(config, node, message => Console.Out.WriteLine($"node agent: {message}"));
builder.WebHost.ListenAsANode(config, node, agentCertificates);
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));

builder.Services.AddSingleton(config);
builder.Services.AddSingleton(node);
builder.Services.AddSingleton(agentCertificates);
builder.Services.AddHostedService<PostgresCertificateReload>();
builder.Services.AddSingleton(new ClusterKeys(config));
builder.Services.AddSingleton(_ => EtcdSession.For(config, config.Agent(node), config.EtcdNodeCredentials(node.Id)));
builder.Services.AddSingleton(new NodeState(new NodeSnapshot { NodeId = node.Id, Role = node.Role.ToString().ToLowerInvariant(), Async = node.Async }));
builder.Services.AddSingleton<AgentMetrics>();
builder.Services.AddSingleton(new CertificateExpiry(config, [config.Agent(node), config.Postgres(node)]));
builder.Services.AddSingleton<BusMetrics>();
AuthnLimits authnLimits;
try
{
    authnLimits = AuthnLimits.From(builder.Configuration);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"node agent: {e.Message}");
    return 2;
}

builder.Services.AddConjurTelemetry(config, "conjur-agent", node.Id, m => m.AddPrometheusExporter());
builder.Services.AddSingleton<PostgresSupervisor>();
builder.Services.AddSingleton<PostgresProbe>();
builder.Services.AddSingleton<LeaderLease>();
builder.Services.AddSingleton<AliveLease>();
builder.Services.AddSingleton<FenceMarker>();
builder.Services.AddSingleton<AgentGate>();
builder.Services.AddSingleton<CycleTrigger>();
builder.Services.AddSingleton<HaCycle>();
builder.Services.AddFailover();
builder.Services.AddSingleton(peers);
builder.Services.AddSingleton<HeartbeatQueue>();
builder.Services.AddHostedService<HaLoop>();
builder.Services.AddHostedService<RoleKeeper>();
builder.Services.AddHostedService<ClusterWatch>();
builder.Services.AddHostedService<HeartbeatPublisher>();
// Registered after the HA loop so that they stop before it (hosted services stop in reverse order): the refused
// logins' summary is queued, then the audit trail drains into a Postgres the HA loop has not yet stopped.
builder.Services.AddAudit();
builder.Services.AddSecrets(config, builder.Configuration, authnLimits);

builder.Services.AddMassTransit(x =>
{
    x.DisableUsageTelemetry();
    x.AddAgentConsumers();
    x.UsingRabbitMq((context, cfg) =>
    {
        // As agent-{node}: its reports only, to exchanges it may not declare; commands only from the control plane.
        cfg.LogInAs(config, BrokerLogin.ForAgent(config, node.Id));
        cfg.CheckSenders(context);
        cfg.PublishToPreparedExchanges();
        cfg.ConfigureAgentQueue(context, config, node);
    });
});
builder.Services.Configure<MassTransitHostOptions>(o =>
{
    // The agent must serve /health and run its HA loop even while the broker is away. No start timeout:
    // MassTransit stops the bus for good when one expires (an agent started more than 10 s before RabbitMQ
    // came up never consumed its command queue); without one it keeps retrying until the broker answers.
    o.WaitUntilStarted = false;
    o.StartTimeout = null;
    o.StopTimeout = TimeSpan.FromSeconds(5);
});

var app = builder.Build();
app.MapHealth();
app.MapSecrets();
app.MapAudit();
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
return 0;
