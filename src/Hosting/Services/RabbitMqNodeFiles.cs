using System.Globalization;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Everything one RabbitMQ node reads or writes, under <c>{StateDir}/rabbitmq</c>, and the environment
/// that points the Debian scripts there instead of /etc/rabbitmq and /var/lib/rabbitmq. The same
/// environment serves the server and every rabbitmqctl call, so they find the same node, cookie and epmd.
/// </summary>
public sealed class RabbitMqNodeFiles(ClusterConfig config)
{
    public const string SystemUser = "rabbitmq";

    public string BaseDir => Path.Combine(config.StateDir, "rabbitmq");

    /// <summary>HOME of the server and the CLI: Erlang reads the cluster's cookie from <c>$HOME/.erlang.cookie</c>.</summary>
    public string HomeDir => BaseDir;
    public string CookieFile => Path.Combine(HomeDir, ".erlang.cookie");
    public string ConfigFile => Path.Combine(BaseDir, "rabbitmq.conf");
    public string EnvFile => Path.Combine(BaseDir, "rabbitmq-env.conf");
    public string EnabledPluginsFile => Path.Combine(BaseDir, "enabled_plugins");
    public string MnesiaBase => Path.Combine(BaseDir, "mnesia");
    public string LogDir => Path.Combine(BaseDir, "log");
    public string PidFile => Path.Combine(BaseDir, "rabbitmq.pid");

    /// <summary>
    /// The broker's users, permissions and prepared topology (<see cref="RabbitMqDefinitions"/>), loaded at every
    /// boot. It holds password hashes only, but is the rabbitmq user's alone (0600) like everything here.
    /// </summary>
    public string DefinitionsFile => Path.Combine(BaseDir, "definitions.json");

    /// <summary>The node's own database: present once the node has booted, absent for a new node.</summary>
    public string NodeDatabaseDir => Path.Combine(MnesiaBase, config.RabbitMq.NodeName);

    /// <summary>Writes the configuration, definitions, cookie and plugin list (idempotent) and hands the folder to the rabbitmq user.</summary>
    public void Write()
    {
        Directory.CreateDirectory(MnesiaBase);
        Directory.CreateDirectory(LogDir);
        WriteDefinitions();
        // No default user: a node that loads definitions at boot creates none (no guest), and the vhost and
        // every user come from the definitions. The conf itself holds no secret.
        File.WriteAllText(ConfigFile, string.Join('\n', new[]
        {
            $"load_definitions = {DefinitionsFile}",
            "log.console = false",
            "log.file.level = info",
        }.Concat(config.Tls.Enabled ? TlsSettings() : []).Append("")));
        // No management or other plugins, which would be most of a boot's time; under TLS only the one that takes
        // the client certificate as the login.
        File.WriteAllText(EnabledPluginsFile, config.Tls.Enabled ? "[rabbitmq_auth_mechanism_ssl].\n" : "[].\n");
        // Present and empty so /etc/rabbitmq/rabbitmq-env.conf (the host's own node) is never read.
        File.WriteAllText(EnvFile, "");
        SecretFiles.Write(CookieFile, SecretFiles.GetOrCreate(config.RabbitMqErlangCookieFile()));
        // Erlang refuses a cookie file that anyone but its owner can read.
        File.SetUnixFileMode(CookieFile, UnixFileMode.UserRead);
    }

    /// <summary>
    /// The broker's TLS: the AMQP port only in TLS (no plain listener at all), a client certificate of the cluster CA
    /// required, and that certificate's common name as the user (EXTERNAL, the only mechanism offered: a password is
    /// never asked for, so a stolen one is worth nothing).
    /// </summary>
    private IEnumerable<string> TlsSettings()
    {
        var tls = config.RabbitMq();
        return
        [
            "listeners.tcp = none",
            $"listeners.ssl.default = {config.RabbitMq.Host}:{config.RabbitMq.Port.ToString(CultureInfo.InvariantCulture)}",
            $"ssl_options.cacertfile = {tls.CaFile}",
            $"ssl_options.certfile = {tls.CertFile}",
            $"ssl_options.keyfile = {tls.KeyFile}",
            "ssl_options.verify = verify_peer",
            "ssl_options.fail_if_no_peer_cert = true",
            "ssl_options.versions.1 = tlsv1.3",
            "ssl_options.versions.2 = tlsv1.2",
            "auth_mechanisms.1 = EXTERNAL",
            "ssl_cert_login_from = common_name",
        ];
    }

    /// <summary>Writes the definitions from the cluster's configuration and password files, creating missing passwords.</summary>
    public void WriteDefinitions() => SecretFiles.Write(DefinitionsFile, RabbitMqDefinitions.Json(config));

    public IReadOnlyDictionary<string, string> Environment()
    {
        var rmq = config.RabbitMq;
        var env = new Dictionary<string, string>
        {
            ["HOME"] = HomeDir,
            ["RABBITMQ_NODENAME"] = rmq.NodeName,
            ["RABBITMQ_DIST_PORT"] = rmq.DistPort.ToString(CultureInfo.InvariantCulture),
            // The distribution listener ignores RABBITMQ_NODE_IP_ADDRESS: pin it to loopback here.
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            // Our own epmd on our own port, on loopback: test clusters never share one, and none listens on 0.0.0.0.
            ["ERL_EPMD_PORT"] = rmq.EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_CONF_ENV_FILE"] = EnvFile,
            ["RABBITMQ_CONFIG_FILE"] = ConfigFile,
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(BaseDir, "advanced.config"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = EnabledPluginsFile,
            ["RABBITMQ_MNESIA_BASE"] = MnesiaBase,
            ["RABBITMQ_LOG_BASE"] = LogDir,
            ["RABBITMQ_PID_FILE"] = PidFile,
        };
        if (!config.Tls.Enabled)
        {
            // The plain AMQP listener; under TLS rabbitmq.conf has the TLS one and no plain one at all.
            env["RABBITMQ_NODE_IP_ADDRESS"] = rmq.Host;
            env["RABBITMQ_NODE_PORT"] = rmq.Port.ToString(CultureInfo.InvariantCulture);
        }
        return env;
    }
}
