using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// How a part joins the bus: as its own broker user, with that user in the AMQP <c>user-id</c> property of
/// everything it sends or publishes (RabbitMQ closes the channel of a publisher whose user-id is not its
/// login, so a consumer can trust it), and with the sender check in front of every consumer.
/// </summary>
public static class BusLogin
{
    /// <summary>
    /// Logs in as <paramref name="login"/> and stamps its user on every message. Under TLS the part's certificate is
    /// the login (EXTERNAL: its common name is the user). In plain text the password file is read here (a missing one
    /// stops the part with its name) and again before every reconnect, so a rotated password (<c>cluster up</c>
    /// imports it and closes the user's connections) is picked up without a restart.
    /// </summary>
    public static void LogInAs(this IRabbitMqBusFactoryConfigurator rabbit, ClusterConfig config, BrokerLogin login)
    {
        if (config.Tls.Enabled)
        {
            // The certificate is the login (EXTERNAL): read once here, so a missing or bad one stops the part at start.
            var certificate = TlsClient.LoadWithKey(login.Certificate);
            var validator = BrokerTls.Validator(login.Certificate.CaFile);
            rabbit.Host(config.RabbitMq.Host, (ushort)config.RabbitMq.Port, config.RabbitMq.VirtualHost, h =>
            {
                h.Username(login.User);
                h.UseSsl(s =>
                {
                    s.ServerName = config.RabbitMq.Host;
                    s.Protocol = BrokerTls.Protocols;
                    s.Certificate = certificate;
                    s.UseCertificateAsAuthenticationIdentity = true;
                    s.CertificateValidationCallback = validator;
                    s.AllowPolicyErrors(System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors);
                });
            });
        }
        else
        {
            LogInWithPassword(rabbit, config, login);
        }
        var stamp = new UserIdStamp(login.User);
        rabbit.ConfigureSend(s => s.UseFilter<SendContext>(stamp));
        rabbit.ConfigurePublish(p => p.UseFilter<PublishContext>(stamp));
    }

    private static void LogInWithPassword(IRabbitMqBusFactoryConfigurator rabbit, ClusterConfig config, BrokerLogin login)
    {
        var password = login.Password();
        rabbit.Host(config.RabbitMq.Host, (ushort)config.RabbitMq.Port, config.RabbitMq.VirtualHost, h =>
        {
            h.Username(login.User);
            h.Password(password);
            h.OnRefreshConnectionFactory = factory =>
            {
                try
                {
                    factory.Password = login.Password();
                }
                catch (Topology.ConfigurationException)
                {
                    // The file went away while running: keep the password this part started with.
                }
                return Task.CompletedTask;
            };
        });
    }

    /// <summary>
    /// Drops (and counts) every consumed message whose broker user may not say what it says (<see cref="SenderCheck"/>):
    /// one <see cref="SenderCheckFilter{T}"/> in front of each consumer's and the saga's every message type. Not
    /// MassTransit's scoped filter, which resolves a filter in a scope of its own for every message: this one runs
    /// ten thousand times a second in the control plane and needs nothing from a scope.
    /// </summary>
    public static void CheckSenders(this IRabbitMqBusFactoryConfigurator rabbit, IRegistrationContext context)
    {
        var observer = new SenderCheckObserver(context.GetRequiredService<BusMetrics>(), context.GetRequiredService<ILoggerFactory>());
        rabbit.ConnectConsumerConfigurationObserver(observer);
        rabbit.ConnectSagaConfigurationObserver(observer);
    }

    /// <summary>
    /// An agent publishes its reports to exchanges the launcher declared (<see cref="PreparedTopology"/>): MassTransit
    /// would otherwise declare each one first, which needs a configure right on names every part shares.
    /// </summary>
    public static void PublishToPreparedExchanges(this IRabbitMqBusFactoryConfigurator rabbit)
    {
        foreach (var type in BusSenders.AgentReports.Keys)
        {
            rabbit.PublishTopology.GetMessageTopology(type).Exclude = true;
        }
    }

    /// <summary>
    /// An agent's command queue as the launcher declared it: consumed, never declared or bound here (the agent
    /// may not write to it), no bindings from the command types' exchanges (a command is sent to one agent's queue,
    /// never published to all). A command that fails or has no consumer is logged and dropped: moving it to an
    /// <c>_error</c> or <c>_skipped</c> queue would copy the control plane's user-id, which the broker refuses from
    /// an agent, and the refused move would send the command round again for ever. The saga's step deadline covers it.
    /// </summary>
    public static void AsPreparedCommandQueue(this IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        endpoint.ConfigureConsumeTopology = false;
        endpoint.BindQueue = false;
        endpoint.PublishFaults = false;
        endpoint.ConfigureError(x => x.UseFilter(new DiscardErrorTransportFilter()));
        endpoint.DiscardSkippedMessages();
    }

    /// <summary>Sets the AMQP user-id of an outgoing message to the part's own broker user.</summary>
    private sealed class UserIdStamp(string user) : IFilter<SendContext>, IFilter<PublishContext>
    {
        public Task Send(SendContext context, IPipe<SendContext> next)
        {
            Stamp(context);
            return next.Send(context);
        }

        public Task Send(PublishContext context, IPipe<PublishContext> next)
        {
            Stamp(context);
            return next.Send(context);
        }

        private void Stamp(PipeContext context)
        {
            if (context.TryGetPayload(out RabbitMqSendContext? rabbit))
            {
                rabbit.BasicProperties.UserId = user;
            }
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("broker-user-id");
    }
}
