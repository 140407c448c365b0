namespace Conjur.EventSourced.Tests.Fuzzing;

public enum FuzzPart { Agent, ControlPlane }

/// <summary>The credential a route asks for, so the fuzzer sends it (right, wrong, mangled or absent) where it is read.</summary>
public enum FuzzCredential { None, ConjurToken, BasicLogin, Bootstrap, NodeSignature, Viewer, Operator }

/// <summary>What a fuzz run knows of the cluster it attacks: good values to get past routing, and the credentials it may use.</summary>
public sealed record FuzzTargets
{
    public required string Account { get; init; }
    /// <summary>A host with create and update on policy <c>fuzz</c> and read, execute, update on <see cref="OpenVariable"/>; nothing more.</summary>
    public required string FuzzerLogin { get; init; }
    public required string FuzzerApiKey { get; init; }
    /// <summary>The fuzzer's access token, as the value inside <c>Token token="..."</c>.</summary>
    public required string FuzzerToken { get; init; }
    public required string OpenVariable { get; init; }
    /// <summary>A variable only the account's admin may read: its value must never appear in an answer.</summary>
    public required string HiddenVariable { get; init; }
    public required string ViewerToken { get; init; }
    public required string OperatorToken { get; init; }
    public required IReadOnlyList<string> NodeIds { get; init; }
    public required string FollowerId { get; init; }
    public required byte[] FollowerSigningKey { get; init; }
    /// <summary>The cluster CA's certificate when the routes answer HTTPS only; null in plain text.</summary>
    public string? CaFile { get; init; }
    public required long MaxSecretBytes { get; init; }
}

/// <summary>
/// One route kind: a method and a route template as the part maps it, the good values of its segments and query
/// parameters, how to make its body, and the credential it reads. <see cref="OperatorSafe"/> turns a request that the
/// operator's credential would make act on the real cluster (move the master, rebuild every projection) into one it
/// refuses, so the run fuzzes the handler's parsing with the credential without changing who is master.
/// </summary>
public sealed record FuzzRoute(FuzzPart Part, string Method, string Template)
{
    public string Kind => $"{(Part == FuzzPart.Agent ? "agent" : "control plane")} {Method} {Template}";

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Segments { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyList<(string Name, IReadOnlyList<string> Good)> Query { get; init; } = [];

    public Func<Random, FuzzTargets, byte[]>? Body { get; init; }

    public string? ContentType { get; init; }

    public FuzzCredential Credential { get; init; }

    /// <summary>For routes that change the cluster: given the query and body about to go with the operator's credential, a pair it is safe to send.</summary>
    public Func<Random, FuzzTargets, string, byte[]?, (string Query, byte[]? Body)>? OperatorSafe { get; init; }

    /// <summary>Routes whose answers may be 503 by design (a follower's write, a node not accepting requests).</summary>
    public bool MayBeUnavailable { get; init; }
}
