using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.Tests.Unit.Trust;

public sealed class NodeSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600);
    private static readonly byte[] Node2Key = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"origin\":\"node2\",\"records\":[]}");

    private static byte[]? KeyFor(string node) => node == "node2" ? Node2Key : null;

    private static IReadOnlyDictionary<string, string>? Signed(byte[] key, string node = "node2", long? ts = null, byte[]? body = null)
    {
        var t = ts ?? Now.ToUnixTimeSeconds();
        return NodeSignature.Parse(NodeSignature.Header(node, t, NodeSignature.Sign(key, NodeSignature.AuditBatch(t, node, NodeSignature.BodyHash(body ?? Body)))));
    }

    private static SignatureCheck Check(IReadOnlyDictionary<string, string>? fields, byte[]? body = null) =>
        NodeSignature.Check(fields, KeyFor, (node, ts) => NodeSignature.AuditBatch(ts, node, NodeSignature.BodyHash(body ?? Body)), Now);

    [Fact]
    public void BatchSignedWithTheNodesKey_IsThatNodes() => Check(Signed(Node2Key)).Node.ShouldBe("node2");

    [Fact]
    public void WrongKey_IsRefused() => Check(Signed(RandomNumberGenerator.GetBytes(32))).Problem!.ShouldContain("does not match node2's key");

    [Fact]
    public void NodeThisAgentCannotCheck_IsRefused() => Check(Signed(Node2Key, node: "node3")).Problem!.ShouldContain("'node3'");

    [Fact]
    public void ChangedBody_IsRefused() => Check(Signed(Node2Key), Encoding.UTF8.GetBytes("{\"origin\":\"node1\"}")).Node.ShouldBeNull();

    [Fact]
    public void TimestampSixMinutesOld_IsRefused() =>
        Check(Signed(Node2Key, ts: Now.AddMinutes(-6).ToUnixTimeSeconds())).Problem!.ShouldContain("within 300 s");

    [Fact]
    public void TimestampFourMinutesAhead_IsAccepted() => Check(Signed(Node2Key, ts: Now.AddMinutes(4).ToUnixTimeSeconds())).Node.ShouldBe("node2");

    [Fact]
    public void MissingHeader_IsRefused() => Check(NodeSignature.Parse(null)).Problem!.ShouldContain("missing or malformed");

    [Theory]
    [InlineData("node=node2,ts=1")]
    [InlineData("node=node2,node=node3,ts=1,sig=x")]
    [InlineData("garbage")]
    public void HeaderWithoutItsFields_IsNotParsed(string header) => NodeSignature.Parse(header).ShouldBeNull();

    [Fact]
    public void SignatureOfAForwardedClient_DoesNotPassForABatch()
    {
        var ts = Now.ToUnixTimeSeconds();
        var forwarded = NodeSignature.Sign(Node2Key, NodeSignature.ForwardedClient(ts, "node2", "10.0.0.7", "POST", "/secrets/a/variable/x", "Token token=\"t\""));

        Check(NodeSignature.Parse(NodeSignature.Header("node2", ts, forwarded))).Node.ShouldBeNull();
    }

    [Fact]
    public void ForwardedClient_IsBoundToTheRequestsPathAndCredential()
    {
        var a = NodeSignature.ForwardedClient(1, "node2", "10.0.0.7", "post", "/secrets/a/variable/x", "Token token=\"t\"");

        a.ShouldBe(NodeSignature.ForwardedClient(1, "node2", "10.0.0.7", "POST", "/secrets/a/variable/x", "Token token=\"t\""));
        a.ShouldNotBe(NodeSignature.ForwardedClient(1, "node2", "10.0.0.7", "POST", "/secrets/a/variable/y", "Token token=\"t\""));
        a.ShouldNotBe(NodeSignature.ForwardedClient(1, "node2", "10.0.0.7", "POST", "/secrets/a/variable/x", "Token token=\"u\""));
    }
}
