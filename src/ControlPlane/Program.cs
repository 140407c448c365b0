using Conjur.EventSourced.ControlPlane;
using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Dashboard;
using Conjur.EventSourced.ControlPlane.Health;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Messaging;
using Conjur.EventSourced.ControlPlane.NodeHistory;
using Conjur.EventSourced.ControlPlane.Projections;
using Conjur.EventSourced.ControlPlane.Replay;
using Conjur.EventSourced.ControlPlane.Retention;
using JasperFx.Events.Daemon;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.ControlPlane.Telemetry;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Npgsql;
using OpenTelemetry.Metrics;

ClusterConfig config;
string[] rest;
CredentialStore credentials;
try
{
    (config, rest) = ConfigArguments.Load(args);
    // Fail at start, with the file's name, rather than at the first broker login or the first operator request.
    credentials = CredentialStore.Load(config);
    if (!config.Tls.Enabled)
    {
        _ = BrokerLogin.ForControlPlane(config).Password();
    }
    CertificateCheck.Require(config, config.ControlPlane());
}
catch (ConfigurationException e)
{
    await Console.Error.WriteLineAsync($"controlplane: {e.Message}");
    return 2;
}

// The launcher starts the control plane from '/': look for appsettings.json beside the binary.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls(config.ControlPlaneUrl);
if (config.Tls.Enabled)
{
    // The operator API and the dashboard answer HTTPS alone, with the control plane's certificate of the cluster CA.
    // Reloaded after 'cluster certs rotate --all': the next handshake presents the new one, nothing restarts.
    var certificate = new ReloadingCertificate(config.ControlPlane(), message => Console.Out.WriteLine($"controlplane: {message}"));
    builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https =>
    {
        https.ServerCertificate = certificate.Current;
        https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
        https.OnAuthenticate = (_, options) => certificate.Present(options);
    }));
}

var services = builder.Services;
services.AddSingleton(config);
// Its own certificate's expiry in /metrics (conjur_tls_certificate_expiring), as each agent shows its own.
services.AddSingleton(new CertificateExpiry(config, [config.ControlPlane()]));
services.AddSingleton(TimeProvider.System);
services.AddSingleton(NpgsqlDataSource.Create(ControlPlaneStore.ConnectionString(config)));
services.AddMarten(ControlPlaneStore.Configure)
    .UseNpgsqlDataSource()
    .ApplyAllDatabaseChangesOnStartup()
    // The async projections (failover timeline, node history): HotCold, so with two control planes one runs them (an advisory lock).
    .AddAsyncDaemon(DaemonMode.HotCold);
services.AddHeartbeats(builder.Configuration);
services.AddRetention(builder.Configuration);
services.AddClusterHistory();
services.AddFailover(builder.Configuration);
services.AddControlPlaneBus(config);
services.AddControlPlaneHealth();
services.AddDashboard();
services.AddApiAccess(credentials, config);
services.AddConjurTelemetry(config, "conjur-controlplane", "controlplane", m => m.AddPrometheusExporter());

var app = builder.Build();
// Routing first, so the access check knows the route's kind; then the check, before any route runs.
app.UseRouting();
app.UseApiAccess();
app.MapApiSession();
app.MapControlPlaneHealth();
app.MapClusterStatus();
app.MapNodeHistory();
app.MapClusterHistory();
app.MapFailovers();
app.MapNodeHistoryProjection();
app.MapReplay();
app.MapProjections();
app.MapRetention();
app.MapDashboard();
app.MapTelemetry();
app.VerifyEveryRouteDeclaresAccess();
await app.RunAsync();
return 0;
