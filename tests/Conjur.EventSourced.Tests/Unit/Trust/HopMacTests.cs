using System.Net;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.Tests.Unit.Trust;

public sealed class HopMacTests
{
    private static readonly byte[] Key = [.. Enumerable.Repeat((byte)'k', 32)];

    /// <summary>What haproxy 2.6 sent for <c>%[src,hmac(sha256,base64 of 32 'k'),base64]</c> from 127.0.0.1 (measured).</summary>
    private const string HaProxyAnswer = "ij7Kj8bOHtdqd4dxHrL7re2QpzA14KjGEvTrs0qTqRA=";

    [Fact]
    public void Compute_IsWhatHaProxyComputes() => HopMac.Compute(Key, IPAddress.Loopback).ShouldBe(HaProxyAnswer);

    [Fact]
    public void HaProxysMacForTheAddress_Matches() => HopMac.Matches(Key, IPAddress.Loopback, HaProxyAnswer).ShouldBeTrue();

    [Fact]
    public void MacForAnotherAddress_DoesNotMatch() => HopMac.Matches(Key, IPAddress.Parse("203.0.113.66"), HaProxyAnswer).ShouldBeFalse();

    [Fact]
    public void MacWithAnotherKey_DoesNotMatch() => HopMac.Matches(new byte[32], IPAddress.Loopback, HaProxyAnswer).ShouldBeFalse();

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Garbage_DoesNotMatch(string mac) => HopMac.Matches(Key, IPAddress.Loopback, mac).ShouldBeFalse();
}
