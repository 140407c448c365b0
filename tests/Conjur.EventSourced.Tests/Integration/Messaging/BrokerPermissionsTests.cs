using System.Text.Json;
using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;
using Conjur.EventSourced.Tests.Integration.Dashboard;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Messaging;

/// <summary>
/// Attack 7 of issue 14, tried on a running cluster: a compromised follower (node4) holds its own broker
/// credentials and tries to command the master, steer the saga, read another agent's commands and forge
/// another node's reports. The broker refuses what its permissions forbid; the control plane drops what
/// only the sender check can see. The last scenario takes node4's write right away and gives it back.
/// </summary>
[Collection("clusters-b")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class BrokerPermissionsTests(ClusterForBrokerPermissions cluster, ITestOutputHelper output) : IClassFixture<ClusterForBrokerPermissions>
{
    private const ushort AccessRefused = 403;
    private const ushort PreconditionFailed = 406;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private string ClusterId => cluster.Config.ClusterId;
    private BrokerLogin Node4 => BrokerLogin.ForAgent(cluster.Config, "node4");

    [Fact]
    public async Task GuestInPlainText_Refused()
    {
        var guest = new ConnectionFactory
        {
            HostName = cluster.Config.RabbitMq.Host, Port = cluster.Config.RabbitMq.Port, VirtualHost = cluster.Config.RabbitMq.VirtualHost,
            UserName = "guest", Password = "guest",
        };
        var refused = await Should.ThrowAsync<BrokerUnreachableException>(() => guest.CreateConnectionAsync());
        output.WriteLine(Describe(refused));
        await BrokerAdmitsAPartsCertificateAsync();
    }

    [Fact]
    public async Task TlsWithoutAClientCertificate_Refused_EvenWithAPartsPassword()
    {
        var factory = Factory(Node4);
        factory.Ssl.Certs = null;
        factory.AuthMechanisms = [new PlainMechanismFactory()];
        factory.Password = Node4.Password();

        output.WriteLine(Describe(await Should.ThrowAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync())));
        await BrokerAdmitsAPartsCertificateAsync();
    }

    [Fact]
    public async Task CertificateOfAnotherCa_Refused()
    {
        using var foreign = new ForeignCertificate(Node4.User, cluster.Config.PublicCaFile());
        var factory = Factory(Node4);
        factory.Ssl = BrokerTls.Option(cluster.Config, foreign.Spec);

        output.WriteLine(Describe(await Should.ThrowAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync())));
        await BrokerAdmitsAPartsCertificateAsync();
    }

    [Fact]
    public async Task ClusterCertificateOfNoBrokerUser_Refused()
    {
        // The operator's certificate is the cluster's, but 'operator' is no broker user: EXTERNAL takes the name, finds nobody.
        var factory = Factory(Node4);
        factory.Ssl = BrokerTls.Option(cluster.Config, cluster.Config.Operator());
        factory.UserName = "operator";

        var refused = await Should.ThrowAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync());
        output.WriteLine(Describe(refused));
        refused.InnerException.ShouldBeOfType<AuthenticationFailureException>();
    }

    [Fact]
    public async Task PartsCertificate_IsItsLogin_AndNamesTheUser()
    {
        await using var connection = await Factory(Node4).CreateConnectionAsync();
        connection.IsOpen.ShouldBeTrue();
        var listed = (await cluster.Launcher.RabbitMq.CtlAsync(["list_connections", "user", "ssl", "auth_mechanism", "--formatter", "json"],
            TimeSpan.FromSeconds(60), CancellationToken.None)).ThrowOnFailure();
        using var connections = JsonDocument.Parse(listed.StdOut);
        var all = connections.RootElement.EnumerateArray().Select(c => (User: c.GetProperty("user").GetString(), Ssl: c.GetProperty("ssl").GetBoolean(),
            Mechanism: c.GetProperty("auth_mechanism").GetString())).ToList();
        output.WriteLine(string.Join("; ", all));
        all.ShouldContain((Node4.User, true, "EXTERNAL"));
        all.ShouldAllBe(c => c.Ssl && c.Mechanism == "EXTERNAL");
    }

    /// <summary>The same broker takes the cluster's certificate at once: the refusal before was the credential's, not a broker that was down.</summary>
    private async Task BrokerAdmitsAPartsCertificateAsync()
    {
        await using var connection = await Factory(Node4).CreateConnectionAsync();
        connection.IsOpen.ShouldBeTrue();
    }

    private static string Describe(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.GetType().Name}: {inner.Message})" : e.Message;

    [Fact]
    public async Task BrokerUsers_OnePerPartAndNoOther()
    {
        var listed = (await cluster.Launcher.RabbitMq.CtlAsync(["list_users", "--formatter", "json"], TimeSpan.FromSeconds(60), CancellationToken.None))
            .ThrowOnFailure();
        using var users = JsonDocument.Parse(listed.StdOut);
        var tags = users.RootElement.EnumerateArray().ToDictionary(
            u => u.GetProperty("user").GetString()!,
            u => string.Join(',', u.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        output.WriteLine(string.Join(", ", tags.Select(t => $"{t.Key} [{t.Value}]")));
        tags.Keys.Order().ShouldBe(["agent-node1", "agent-node2", "agent-node3", "agent-node4", "controlplane", "subscriber"]);
        tags.Where(t => t.Key != BrokerUsers.ControlPlane).ShouldAllBe(t => t.Value == "");
        tags[BrokerUsers.ControlPlane].ShouldBe("impersonator");
        foreach (var login in BrokerLogin.All(cluster.Config))
        {
            File.GetUnixFileMode(login.PasswordFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, login.PasswordFile);
        }
    }

    [Fact]
    public async Task AgentSendingStepDownToTheMaster_RefusedByTheBroker()
    {
        var stepDown = new StepDown { FailoverId = Guid.NewGuid(), ClusterId = ClusterId, NodeId = "node1", Target = "node4" };
        var masterQueue = AgentQueues.Name(ClusterId, "node1");

        (await PublishAsync(Node4, masterQueue, "", stepDown, Node4.User)).ShouldBe(AccessRefused, "to the master's queue's exchange");
        (await PublishAsync(Node4, "", masterQueue, stepDown, Node4.User)).ShouldBe(AccessRefused, "through the default exchange");
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(StepDown)), "", stepDown, Node4.User)).ShouldBe(AccessRefused, "to StepDown's exchange");
        // Not even to its own queue: an agent never writes a command.
        (await PublishAsync(Node4, AgentQueues.Name(ClusterId, "node4"), "", stepDown with { NodeId = "node4" }, Node4.User)).ShouldBe(AccessRefused, "to its own queue");

        (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node("node1"), CancellationToken.None)).Role.ShouldBe(NodeRoles.Master);
    }

    [Fact]
    public async Task AgentRequestingASwitchover_RefusedByTheBroker()
    {
        var before = await FailoverCountAsync();
        var request = new SwitchoverRequested
        {
            FailoverId = Guid.NewGuid(), ClusterId = ClusterId, Target = "node4", RequestedBy = "node4", RequestedAt = DateTimeOffset.UtcNow,
        };
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(SwitchoverRequested)), "", request, Node4.User)).ShouldBe(AccessRefused);
        var forced = new ForcedPromotionRequested
        {
            FailoverId = Guid.NewGuid(), ClusterId = ClusterId, NodeId = "node4", RequestedBy = "node4", RequestedAt = DateTimeOffset.UtcNow,
        };
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(ForcedPromotionRequested)), "", forced, Node4.User)).ShouldBe(AccessRefused);
        (await FailoverCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task AgentReadingAnotherAgentsQueue_RefusedByTheBroker()
    {
        await using var connection = await Factory(Node4).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var refused = await Should.ThrowAsync<OperationInterruptedException>(() =>
            channel.BasicConsumeAsync(AgentQueues.Name(ClusterId, "node1"), autoAck: true, new AsyncEventingBasicConsumer(channel)));
        refused.ShutdownReason.ShouldNotBeNull().ReplyCode.ShouldBe(AccessRefused);
    }

    [Fact]
    public async Task ReportWithAForgedUserId_RefusedByTheBroker()
    {
        var forged = Heartbeat("node1", Guid.NewGuid());
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(NodeHeartbeat)), "", forged, BrokerUsers.Agent("node1"))).ShouldBe(PreconditionFailed);
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(NodeHeartbeat)), "", forged, BrokerUsers.ControlPlane)).ShouldBe(PreconditionFailed);
    }

    [Fact]
    public async Task HeartbeatForAnotherNodeWithTheSendersOwnUserId_DroppedCountedAndNotStored()
    {
        var before = await RejectedAsync(cluster.Config.ControlPlaneUrl, "NodeHeartbeat", "other-node");
        var instance = Guid.NewGuid();

        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(NodeHeartbeat)), "", Heartbeat("node1", instance), Node4.User)).ShouldBeNull("the broker takes it: the user-id is the sender's own");
        var sent = DateTimeOffset.UtcNow;

        await Wait.ForAsync("the control plane to count the forged heartbeat as rejected", async _ =>
            await RejectedAsync(cluster.Config.ControlPlaneUrl, "NodeHeartbeat", "other-node") > before, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        // node1's own heartbeats go on being recorded, and the forged one is not among them.
        await Wait.ForAsync("a later heartbeat of node1's own agent to be recorded", async _ =>
            await LastHeartbeatAtAsync("node1") > sent, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        (await StoredEventsMentioningAsync(instance)).ShouldBe(0);
        var status = await NodeStatusAsync("node1");
        status.GetProperty("healthy").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task ReportWithoutUserId_DroppedAndCounted()
    {
        var before = await RejectedAsync(cluster.Config.ControlPlaneUrl, "NodeHeartbeat", "no-user-id");
        var instance = Guid.NewGuid();
        (await PublishAsync(Node4, BusSenders.ExchangeOf(typeof(NodeHeartbeat)), "", Heartbeat("node4", instance), userId: null)).ShouldBeNull();

        await Wait.ForAsync("the control plane to count the heartbeat without a user-id", async _ =>
            await RejectedAsync(cluster.Config.ControlPlaneUrl, "NodeHeartbeat", "no-user-id") > before, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        (await StoredEventsMentioningAsync(instance)).ShouldBe(0);
    }

    [Fact]
    public async Task CommandWithoutTheControlPlanesUserId_DroppedByTheAgent()
    {
        var agentMetrics = cluster.Config.ApiUrl(cluster.Node("node4"));
        var before = await RejectedAsync(agentMetrics, "StepDown", "no-user-id");
        // Only the control plane's user may write to an agent's queue; without its user-id the agent drops the command.
        var stepDown = new StepDown { FailoverId = Guid.NewGuid(), ClusterId = ClusterId, NodeId = "node4", Target = "node1" };
        (await PublishAsync(BrokerLogin.ForControlPlane(cluster.Config), AgentQueues.Name(ClusterId, "node4"), "", stepDown, userId: null)).ShouldBeNull();

        await Wait.ForAsync("node4's agent to count the command as rejected", async _ =>
            await RejectedAsync(agentMetrics, "StepDown", "no-user-id") > before, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task Subscriber_ReadsTheIntegrationEventsAndWritesNothing()
    {
        var subscriber = BrokerLogin.ForSubscriber(cluster.Config);
        // Another cluster's id: nothing here acts on it, but the subscriber's prepared queue is bound to the exchange.
        var started = new FailoverStarted
        {
            FailoverId = Guid.NewGuid(), ClusterId = "elsewhere", Kind = FailoverKinds.Switchover, FormerMaster = "node1", Candidate = "node2",
            StartedAt = DateTimeOffset.UtcNow,
        };
        (await PublishAsync(BrokerLogin.ForControlPlane(cluster.Config), BusSenders.ExchangeOf(typeof(FailoverStarted)), "", started, BrokerUsers.ControlPlane))
            .ShouldBeNull();

        await using var connection = await Factory(subscriber).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? got = null;
        await Wait.ForAsync("the event in the subscriber's queue", async c =>
        {
            got = await channel.BasicGetAsync(BrokerPermissions.SubscriberQueue, autoAck: true, c);
            return got is not null && System.Text.Encoding.UTF8.GetString(got.Body.Span).Contains(started.FailoverId.ToString(), StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
        got!.BasicProperties.UserId.ShouldBe(BrokerUsers.ControlPlane);

        (await PublishAsync(subscriber, BusSenders.ExchangeOf(typeof(MasterPromoted)), "", started, subscriber.User)).ShouldBe(AccessRefused);
    }

    /// <summary>
    /// Last: node4's agent loses its write right (as a misconfigured broker would refuse it). The agent keeps
    /// running and healthy, counts its refused reports without spinning, and is heard again once the launcher
    /// restores the definitions.
    /// </summary>
    [Fact]
    [Step(Order = 1)]
    public async Task AgentRefusedByTheBroker_KeepsRunningAndIsHeardAgainOnceAllowed()
    {
        var node = cluster.Node("node4");
        var pid = Daemon.ReadPid(cluster.Launcher.AgentPidFile("node4")).ShouldNotBeNull();
        var own = BrokerPermissions.ForAgent(cluster.Config, "node4");
        (await cluster.Launcher.RabbitMq.CtlAsync(["set_permissions", "-p", cluster.Config.RabbitMq.VirtualHost, own.User, own.Configure, "^$", own.Read],
            TimeSpan.FromSeconds(60), CancellationToken.None)).ThrowOnFailure();
        // A channel keeps the rights it was granted: the change bites from the agent's next connection.
        (await cluster.Launcher.RabbitMq.CtlAsync(["close_all_user_connections", own.User, "rights changed by a test"],
            TimeSpan.FromSeconds(60), CancellationToken.None)).ThrowOnFailure();
        var failedBefore = await PublishedAsync(cluster.Config.ApiUrl(node), "failed");

        await Wait.ForAsync("node4's reports to be refused", async _ => await PublishedAsync(cluster.Config.ApiUrl(node), "failed") >= failedBefore + 4,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        var refusedAt = DateTimeOffset.UtcNow;
        var failedAt = await PublishedAsync(cluster.Config.ApiUrl(node), "failed");
        // Bounded by the HA cycle, not spinning: two reports a cycle (1 s) at most, with room for a slow scrape.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var perSecond = (await PublishedAsync(cluster.Config.ApiUrl(node), "failed") - failedAt) / (DateTimeOffset.UtcNow - refusedAt).TotalSeconds;
        output.WriteLine($"refused reports: {perSecond:0.0}/s");
        perSecond.ShouldBeLessThan(5);
        Daemon.IsRunning(pid).ShouldBeTrue();
        (await ClusterLauncher.HealthAsync(cluster.Config, node, CancellationToken.None)).Healthy.ShouldBeTrue();

        await cluster.Launcher.RabbitMq.StartAsync(CancellationToken.None);
        var restored = DateTimeOffset.UtcNow;
        await Wait.ForAsync("node4's heartbeats to reach the control plane again", async _ => await LastHeartbeatAtAsync("node4") > restored,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Daemon.ReadPid(cluster.Launcher.AgentPidFile("node4")).ShouldBe(pid);
    }

    private ConnectionFactory Factory(BrokerLogin login) => BrokerTls.Factory(cluster.Config, login);

    /// <summary>
    /// Publishes one message in MassTransit's envelope as <paramref name="login"/>, with publisher confirms. Returns
    /// null when the broker took it, or the reply code with which it closed the channel (403 refused, 406 a user-id mismatch).
    /// </summary>
    private async Task<ushort?> PublishAsync<T>(BrokerLogin login, string exchange, string routingKey, T message, string? userId)
        where T : class
    {
        await using var connection = await Factory(login).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var messageId = Guid.NewGuid();
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId,
            messageType = new[] { $"urn:message:{BusSenders.ExchangeOf(typeof(T))}" },
            message,
            sentTime = DateTime.UtcNow,
            headers = new { },
        }, Json);
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = messageId.ToString(), UserId = userId };
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, false, properties, body);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or PublishException)
        {
            output.WriteLine($"{login.User} -> '{exchange}'/'{routingKey}': {e.Message}");
        }
        await Wait.UntilAsync(() => channel.IsClosed, TimeSpan.FromSeconds(2));
        return channel.CloseReason?.ReplyCode;
    }

    /// <summary>A heartbeat that, were it believed, would show <paramref name="node"/> unhealthy.</summary>
    private NodeHeartbeat Heartbeat(string node, Guid instance) => new()
    {
        ClusterId = ClusterId, NodeId = node, AgentInstance = instance, Sequence = 1, Role = NodeRoles.Master,
        Healthy = false, PostgresRunning = false, Problem = "forged", ObservedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>conjur_bus_messages_rejected_total for one message type and reason, at a process's /metrics (the control plane's needs the viewer's token).</summary>
    private async Task<double> RejectedAsync(string baseUrl, string type, string reason) =>
        (await Prometheus.ScrapeAsync(cluster.Config, $"{baseUrl}/metrics", ApiTokens.Viewer(cluster.Config)))
            .Where(s => s.Name == "conjur_bus_messages_rejected_total" && s.Labels.GetValueOrDefault("type") == type && s.Labels.GetValueOrDefault("reason") == reason)
            .Sum(s => s.Value);

    private async Task<double> PublishedAsync(string agentUrl, string result) =>
        (await Prometheus.ScrapeAsync(cluster.Config, $"{agentUrl}/metrics"))
            .Where(s => s.Name == "conjur_agent_heartbeats_published_total" && s.Labels.GetValueOrDefault("result") == result)
            .Sum(s => s.Value);

    private async Task<JsonElement> NodeStatusAsync(string node)
    {
        using var doc = await cluster.ControlPlaneAsync("/api/cluster");
        return doc.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == node).Clone();
    }

    private async Task<DateTimeOffset> LastHeartbeatAtAsync(string node) => (await NodeStatusAsync(node)).GetProperty("lastHeartbeatAt").GetDateTimeOffset();

    private async Task<int> FailoverCountAsync()
    {
        using var doc = await cluster.ControlPlaneAsync("/api/failovers");
        return doc.RootElement.GetArrayLength();
    }

    private async Task<long> StoredEventsMentioningAsync(Guid instance)
    {
        await using var conn = new NpgsqlConnection(ControlPlaneStore.ConnectionString(cluster.Config));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from mt_events where data::text like @pattern", conn);
        cmd.Parameters.AddWithValue("pattern", $"%{instance}%");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
