namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>
/// <c>controlPlane.access</c> in cluster.json: the credentials the control plane's API knows, by name and role,
/// each a token in a file of its own (relative paths are under the state folder); whether reads need one;
/// and the Host names it answers to besides its own.
/// </summary>
public sealed record ApiAccessConfig
{
    public const string DefaultOperator = "operator";
    public const string DefaultViewer = "viewer";

    /// <summary>The operator's and the viewer's tokens, which <c>cluster up</c> generates.</summary>
    public static readonly IReadOnlyList<ApiCredentialConfig> DefaultCredentials =
    [
        new(DefaultOperator, ApiRole.Operator, "secrets/operator/operator.token"),
        new(DefaultViewer, ApiRole.Viewer, "secrets/operator/viewer.token"),
    ];

    public IReadOnlyList<ApiCredentialConfig> Credentials { get; init; } = DefaultCredentials;

    /// <summary>True: read routes answer without a credential (mutating routes still need the operator's). Off by default.</summary>
    public bool OpenReads { get; init; }

    /// <summary>
    /// Host header values accepted besides the control plane's own (its host and port, 127.0.0.1, localhost):
    /// <c>name</c> (any port) or <c>name:port</c>, e.g. the name of a proxy in front of it.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>How long a dashboard session cookie lives (minutes); the page renews it while it is open.</summary>
    public int SessionMinutes { get; init; } = 15;

    /// <summary>The problems of this section, each naming its field.</summary>
    public IEnumerable<string> Problems()
    {
        const string at = "controlPlane.access";
        if (Credentials.Count == 0 || Credentials.All(c => c.Role != ApiRole.Operator))
        {
            yield return $"{at}.credentials needs at least one credential with role 'operator'";
        }
        foreach (var (c, i) in Credentials.Select((c, i) => (c, i)))
        {
            if (string.IsNullOrEmpty(c.Name) || c.Name.Length > 64 || !char.IsAsciiLetterLower(c.Name[0])
                || c.Name.Any(ch => !(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '-' or '_' or '.')))
            {
                yield return $"{at}.credentials[{i}].name '{c.Name}' must start with a lower-case letter and hold only a-z, 0-9, '-', '_' or '.' (at most 64)";
            }
            if (string.IsNullOrWhiteSpace(c.TokenFile))
            {
                yield return $"{at}.credentials[{i}].tokenFile is empty";
            }
            if (!Enum.IsDefined(c.Role))
            {
                yield return $"{at}.credentials[{i}].role must be 'operator' or 'viewer'";
            }
        }
        foreach (var dup in Credentials.GroupBy(c => c.Name).Where(g => g.Count() > 1))
        {
            yield return $"{at}.credentials: the name '{dup.Key}' appears {dup.Count()} times";
        }
        foreach (var dup in Credentials.GroupBy(c => c.TokenFile).Where(g => g.Count() > 1))
        {
            yield return $"{at}.credentials: the token file '{dup.Key}' is shared by {string.Join(" and ", dup.Select(c => c.Name))}";
        }
        foreach (var (h, i) in AllowedHosts.Select((h, i) => (h, i)))
        {
            if (string.IsNullOrWhiteSpace(h) || h.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or ':' or '[' or ']')))
            {
                yield return $"{at}.allowedHosts[{i}] '{h}' must be a host name or address, optionally with ':port'";
            }
        }
        if (SessionMinutes is < 1 or > 1440)
        {
            yield return $"{at}.sessionMinutes {SessionMinutes} must be between 1 and 1440";
        }
    }
}

/// <param name="Name">What the event store records as the requester (<c>RequestedBy</c>).</param>
/// <param name="TokenFile">The file holding the token (mode 0600); relative to the state folder unless absolute.</param>
public sealed record ApiCredentialConfig(string Name, ApiRole Role, string TokenFile);
