using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane;

/// <summary>Finds and loads cluster.json: <c>--config PATH</c> first, then <c>CONJUR_CONFIG</c>.</summary>
public static class ConfigArguments
{
    public const string Option = "--config";
    public const string EnvironmentVariable = "CONJUR_CONFIG";

    /// <summary>The configuration and the arguments left for ASP.NET Core; throws <see cref="ConfigurationException"/> with a one-line message.</summary>
    public static (ClusterConfig Config, string[] AspNetArgs) Load(string[] args)
    {
        string? path = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == Option)
            {
                path = i + 1 < args.Length ? args[++i] : throw new ConfigurationException($"{Option} needs a path to cluster.json");
            }
            else if (args[i].StartsWith(Option + "=", StringComparison.Ordinal))
            {
                path = args[i][(Option.Length + 1)..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        path ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException($"no cluster configuration: pass {Option} <path to cluster.json> or set {EnvironmentVariable}");
        }
        try
        {
            return (ClusterConfig.Load(Path.GetFullPath(path)), rest.ToArray());
        }
        catch (ConfigurationException e)
        {
            // Validation lists one problem per line; a launcher's log wants the whole reason on one.
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            throw new ConfigurationException(string.Join(" ", lines), e);
        }
    }
}
