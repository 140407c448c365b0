using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.NodeAgent.Secrets;

/// <summary>
/// Input limits of the secrets API, <c>NodeAgent:Secrets:Limits</c> in the agent's configuration
/// (appsettings.json, or environment variables such as <c>NodeAgent__Secrets__Limits__MaxPolicyBytes</c>).
/// Every refusal names the setting it hit (<see cref="Name"/>), so an operator knows what to raise.
/// See docs/secrets-api.md, "Limits".
/// </summary>
public sealed record SecretsLimits
{
    public const string Section = "NodeAgent:Secrets:Limits";

    /// <summary>Largest policy body (bytes) a load takes; a larger one is refused with 413 before it is read to its end.</summary>
    public long MaxPolicyBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest secret value (bytes); Conjur documents 10 MB.</summary>
    public long MaxSecretBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Deepest nesting of YAML collections (sequences and mappings) in a policy; each nested <c>!policy</c> costs three.</summary>
    public int MaxYamlDepth { get; init; } = 64;

    /// <summary>Most records one load may produce: declarations, and grants and permits after their lists are multiplied out.</summary>
    public int MaxPolicyStatements { get; init; } = 10_000;

    /// <summary>Longest id (<c>account:kind:identifier</c>, in characters) a policy may declare or refer to.</summary>
    public int MaxIdLength { get; init; } = 512;

    /// <summary>The setting's full name, as errors quote it: <c>NodeAgent:Secrets:Limits:MaxPolicyBytes</c>.</summary>
    public static string Name(string setting) => $"{Section}:{setting}";

    /// <summary>The body limit of a request path, with its setting's name (policy loads, secret values; other writes take the policy limit).</summary>
    public (long Bytes, string Setting) BodyLimit(PathString path) =>
        path.StartsWithSegments("/secrets")
            ? (MaxSecretBytes, Name(nameof(MaxSecretBytes)))
            : (MaxPolicyBytes, Name(nameof(MaxPolicyBytes)));

    /// <summary>Refuses, at the agent's start, a limit that is not positive, naming it.</summary>
    public sealed class Validator : IValidateOptions<SecretsLimits>
    {
        public ValidateOptionsResult Validate(string? name, SecretsLimits options) =>
            options.Invalid() is { } setting ? ValidateOptionsResult.Fail($"{Name(setting)} must be positive") : ValidateOptionsResult.Success;
    }

    /// <summary>The first setting that is not positive, or null when all are usable.</summary>
    public string? Invalid() =>
        MaxPolicyBytes <= 0 ? nameof(MaxPolicyBytes)
        : MaxSecretBytes <= 0 ? nameof(MaxSecretBytes)
        : MaxYamlDepth <= 0 ? nameof(MaxYamlDepth)
        : MaxPolicyStatements <= 0 ? nameof(MaxPolicyStatements)
        : MaxIdLength <= 0 ? nameof(MaxIdLength)
        : null;
}
