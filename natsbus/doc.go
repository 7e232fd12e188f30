// Package natsbus is huitong's event bus on NATS and JetStream.
//
// By default (Config.URL == "") Open starts a NATS server inside the
// process, with JetStream storing under Config.StoreDir and no TCP listener,
// and connects to it in-process. In production Config.URL points at an
// external NATS JetStream cluster. Everything above Open is the same code
// either way.
//
// Core NATS (Publish, Subscribe) carries notifications that may be lost;
// JetStream (EnsureStream, PublishDurable, Consume) carries events that must
// not be: they are stored in file-backed streams, de-duplicated by message
// id, and delivered at least once to durable consumers.
//
// Every subject starts with Config.Prefix and every stream name with
// Prefix + "_", so several deployments, and parallel tests, can share one
// cluster.
package natsbus
