using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Security;

/// <summary>
/// The credentials agents prove themselves to each other with, until mutual TLS gives every node a certificate.
/// Each node has a key of its own, derived from one root: <c>HMAC-SHA256(root, "conjur node signing key v1\n{cluster}\n{node}")</c>.
/// Derivation (rather than a random key per node) means a master-capable agent checks any node's signature from the
/// root alone, with no list of keys to distribute, while a follower holds only its own key: a stolen follower can sign
/// as itself and as nothing else. <c>cluster up</c> writes every node's key; rotating the root rotates them all.
/// </summary>
public static partial class NodeKeys
{
    public const int KeyBytes = 32;

    /// <summary>A node id as the layout allows it: a lower-case letter, then up to 62 letters, digits or '_'.</summary>
    public static bool IsNodeId(string value) => NodeIdShape().IsMatch(value);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][A-Za-z0-9_]{0,62}$")]
    private static partial System.Text.RegularExpressions.Regex NodeIdShape();

    public static byte[] Derive(byte[] root, string clusterId, string nodeId) =>
        HMACSHA256.HashData(root, Encoding.UTF8.GetBytes($"conjur node signing key v1\n{clusterId}\n{nodeId}"));

    /// <summary>Nodes that can become master (an async standby too, by an operator's promotion): they check other nodes' signatures.</summary>
    public static bool CanBeMaster(NodeConfig node) => node.Role != NodeRole.Follower;

    /// <summary>
    /// Makes the root once and writes each node's key (again, if it differs from the root's derivation: after the
    /// root was rotated); removes the shared audit key of earlier versions, which no agent reads any more.
    /// </summary>
    public static void Ensure(ClusterConfig c)
    {
        var root = ReadKey(c.NodeKeyRootFile(), SecretFiles.GetOrCreate(c.NodeKeyRootFile(), KeyBytes));
        foreach (var node in c.Nodes)
        {
            var path = c.NodeSigningKeyFile(node.Id);
            var key = Convert.ToHexStringLower(Derive(root, c.ClusterId, node.Id));
            if (!File.Exists(path) || SecretFiles.Read(path) != key)
            {
                SecretFiles.Write(path, key);
            }
        }
        File.Delete(c.LegacyAuditShipKeyFile());
    }

    /// <summary>The load balancer's key for <c>X-Conjur-Hop</c>, made on first use.</summary>
    public static byte[] EnsureHopKey(ClusterConfig c) => ReadKey(c.LoadBalancerHopKeyFile(), SecretFiles.GetOrCreate(c.LoadBalancerHopKeyFile(), KeyBytes));

    /// <summary>A key file (hex): a missing or malformed one is a configuration error naming the file.</summary>
    public static byte[] Read(string path)
    {
        try
        {
            return ReadKey(path, SecretFiles.Read(path));
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the key file {path} is missing: 'cluster up' creates it");
        }
    }

    private static byte[] ReadKey(string path, string text)
    {
        try
        {
            var key = Convert.FromHexString(text);
            if (key.Length == KeyBytes)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }
        throw new ConfigurationException($"the key file {path} is malformed: expected {KeyBytes} bytes in hex");
    }
}
