using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// The API's credentials, read from the files cluster.json names (<c>controlPlane.access.credentials</c>).
/// At start every file must be there and well formed, or the control plane does not start (the message names
/// the file). Afterwards a file that changes is read again within <see cref="ReloadCheck"/>: rotating a token is
/// replacing its file, and the old token stops working without a restart; a file that goes missing or malformed
/// disables that credential (logged, naming the file) until it is fixed.
/// <para>
/// Only the SHA-256 of each token is kept. A presented token is hashed and compared with every credential's
/// hash in constant time, all of them every time, so neither the answer's timing nor its order tells a guesser
/// anything.
/// </para>
/// </summary>
public sealed class CredentialStore
{
    public static readonly TimeSpan ReloadCheck = TimeSpan.FromSeconds(1);
    public const int MinTokenLength = 32;
    public const int MaxTokenLength = 512;

    private readonly ClusterConfig _config;
    private readonly TimeProvider _clock;
    private readonly Lock _reload = new();
    private ILogger? _log;
    private Snapshot _current;
    private long _nextCheck;

    private sealed record Snapshot(IReadOnlyList<ApiCredential> Credentials, IReadOnlyDictionary<string, FileStamp> Stamps);

    private readonly record struct FileStamp(DateTime Written, long Length, bool Exists);

    private CredentialStore(ClusterConfig config, TimeProvider clock, Snapshot current)
    {
        _config = config;
        _clock = clock;
        _current = current;
        _nextCheck = clock.GetTimestamp();
    }

    /// <summary>Reads every configured credential; throws <see cref="ConfigurationException"/> naming the first bad file.</summary>
    public static CredentialStore Load(ClusterConfig config, TimeProvider? clock = null)
    {
        var credentials = new List<ApiCredential>();
        var stamps = new Dictionary<string, FileStamp>();
        foreach (var c in config.ControlPlane.Access.Credentials)
        {
            var file = config.TokenFile(c);
            stamps[file] = Stamp(file);
            var credential = Read(c, file);
            if (credentials.FirstOrDefault(x => CryptographicOperations.FixedTimeEquals(x.Hash, credential.Hash)) is { } twin)
            {
                throw new ConfigurationException($"the API credentials '{twin.Name}' ({twin.File}) and '{c.Name}' ({file}) hold the same token: give each its own");
            }
            credentials.Add(credential);
        }
        return new CredentialStore(config, clock ?? TimeProvider.System, new Snapshot(credentials, stamps));
    }

    /// <summary>Where reload problems are logged (the store is made before the host and its logging).</summary>
    public void UseLogger(ILogger log) => _log = log;

    public IReadOnlyList<ApiCredential> Credentials
    {
        get
        {
            ReloadIfChanged();
            return Volatile.Read(ref _current).Credentials;
        }
    }

    /// <summary>The credential whose token this is, or null. Every credential is compared, in constant time.</summary>
    public ApiCredential? Match(string token)
    {
        var credentials = Credentials;
        if (token.Length is < MinTokenLength or > MaxTokenLength)
        {
            return null;
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        ApiCredential? found = null;
        foreach (var c in credentials)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, c.Hash))
            {
                found = c;
            }
        }
        return found;
    }

    /// <summary>False once the credential's token was rotated or its file removed: a session or stream opened with it ends.</summary>
    public bool IsCurrent(ApiCredential credential) =>
        Credentials.Any(c => c.Name == credential.Name && c.Role == credential.Role && CryptographicOperations.FixedTimeEquals(c.Hash, credential.Hash));

    private void ReloadIfChanged()
    {
        var now = _clock.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck))
        {
            return;
        }
        lock (_reload)
        {
            if (now < _nextCheck)
            {
                return;
            }
            Interlocked.Exchange(ref _nextCheck, now + (long)(ReloadCheck.TotalSeconds * _clock.TimestampFrequency));
            var current = _current;
            var stamps = _config.ControlPlane.Access.Credentials.Select(c => _config.TokenFile(c)).Distinct().ToDictionary(f => f, Stamp);
            if (stamps.All(s => current.Stamps.TryGetValue(s.Key, out var was) && was == s.Value))
            {
                return;
            }
            var credentials = new List<ApiCredential>();
            foreach (var c in _config.ControlPlane.Access.Credentials)
            {
                var file = _config.TokenFile(c);
                try
                {
                    var credential = Read(c, file);
                    if (credentials.Any(x => CryptographicOperations.FixedTimeEquals(x.Hash, credential.Hash)))
                    {
                        throw new ConfigurationException($"the API credential '{c.Name}' ({file}) holds the same token as another credential");
                    }
                    credentials.Add(credential);
                }
                catch (ConfigurationException e)
                {
                    _log?.LogError("API credential '{Name}' disabled until its file is fixed: {Problem}", c.Name, e.Message);
                }
            }
            _log?.LogWarning("API credentials reloaded after a token file changed: {Names}", string.Join(", ", credentials.Select(c => $"{c.Name} ({c.RoleName})")));
            Volatile.Write(ref _current, new Snapshot(credentials, stamps));
        }
    }

    private static FileStamp Stamp(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length, true) : new FileStamp(default, 0, false);
    }

    /// <summary>One credential's file: present, private to its owner, one token of 32-512 URL-safe characters.</summary>
    public static ApiCredential Read(ApiCredentialConfig c, string file)
    {
        if (!File.Exists(file))
        {
            throw new ConfigurationException($"the API credential file {file} ('{c.Name}') is missing: 'cluster up' creates the configured ones");
        }
        var mode = File.GetUnixFileMode(file);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new ConfigurationException($"the API credential file {file} ('{c.Name}') is readable or writable by others (mode {Convert.ToString((int)mode, 8)}): chmod 600 it");
        }
        string token;
        try
        {
            token = SecretFiles.Read(file);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException($"the API credential file {file} ('{c.Name}') cannot be read by this user");
        }
        if (token.Length is < MinTokenLength or > MaxTokenLength || !token.All(IsTokenChar))
        {
            throw new ConfigurationException($"the API credential file {file} ('{c.Name}') is malformed: expected one token of {MinTokenLength}-{MaxTokenLength} " +
                "characters from A-Z, a-z, 0-9, '-', '.', '_', '~' ('cluster up' writes 64 hex digits)");
        }
        return new ApiCredential(c.Name, c.Role, file, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    private static bool IsTokenChar(char ch) => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or '_' or '~';
}
