using System.Globalization;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Secrets.Limits;

/// <summary>
/// The agent's limits on authentication requests (<c>GET /authn/{account}/login</c> and
/// <c>POST /authn/{account}/{login}/authenticate</c>), from the configuration section <c>Authn</c>: appsettings.json
/// or the environment (<c>Authn__FailuresPerLogin=10</c>). Each node counts on its own. docs/audit.md lists them.
/// </summary>
public sealed record AuthnLimits
{
    public const string Section = "Authn";

    /// <summary><c>Authn:MaxRequestBytes</c>: the largest authentication body (an API key is about 55 characters).</summary>
    public int MaxRequestBytes { get; init; } = 8192;

    /// <summary><c>Authn:FailuresPerLogin</c>: failed attempts for one login (from anywhere) before it is refused for the rest of the window.</summary>
    public int FailuresPerLogin { get; init; } = 10;

    /// <summary><c>Authn:FailuresPerClient</c>: failed attempts from one client address (for any login) before it is refused for the rest of the window.</summary>
    public int FailuresPerClient { get; init; } = 30;

    /// <summary><c>Authn:FailureWindowSeconds</c>: a window starts at a login's (or address's) first failure and lasts this long.</summary>
    public int FailureWindowSeconds { get; init; } = 60;

    public TimeSpan Window => TimeSpan.FromSeconds(FailureWindowSeconds);

    /// <summary>The limits from configuration, defaults for what is not set; anything but a positive integer is a configuration error naming the setting.</summary>
    public static AuthnLimits From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new AuthnLimits();
        return new AuthnLimits
        {
            MaxRequestBytes = Positive(configuration, nameof(MaxRequestBytes), defaults.MaxRequestBytes),
            FailuresPerLogin = Positive(configuration, nameof(FailuresPerLogin), defaults.FailuresPerLogin),
            FailuresPerClient = Positive(configuration, nameof(FailuresPerClient), defaults.FailuresPerClient),
            FailureWindowSeconds = Positive(configuration, nameof(FailureWindowSeconds), defaults.FailureWindowSeconds),
        };
    }

    private static int Positive(IConfiguration configuration, string name, int fallback)
    {
        var text = configuration[$"{Section}:{name}"];
        if (text is null)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ConfigurationException($"{Section}:{name} must be a positive integer (default {fallback})");
    }
}
