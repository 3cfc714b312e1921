// The subset of TensorFlow's Event/Summary protobuf messages that TensorBoard scalar event files need, as protobufjs reflection.
//
// Field numbers are those of tensorflow/core/util/event.proto,
// tensorflow/core/framework/summary.proto, tensor.proto and tensor_shape.proto
// (mirrored in tensorboard/compat/proto/). Unused fields are left out; a
// decoder skips unknown fields, so files with more fields still decode.

import protobuf from "protobufjs";

/** tensorflow.DataType; only the value scalars use. */
export const DT_FLOAT = 1;
/** tensorboard DataClass.DATA_CLASS_SCALAR: a rank-0 DT_FLOAT tensor per value. */
export const DATA_CLASS_SCALAR = 1;

const descriptor = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ["file_version", "summary"] } },
          fields: {
            wall_time: { type: "double", id: 1 },
            step: { type: "int64", id: 2 },
            file_version: { type: "string", id: 3 },
            summary: { type: "Summary", id: 5 },
          },
        },
        Summary: {
          fields: {
            value: { rule: "repeated", type: "Value", id: 1 },
          },
          nested: {
            Value: {
              oneofs: { value: { oneof: ["simple_value", "tensor"] } },
              fields: {
                tag: { type: "string", id: 1 },
                simple_value: { type: "float", id: 2 },
                tensor: { type: "TensorProto", id: 8 },
                metadata: { type: "SummaryMetadata", id: 9 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: {
            plugin_data: { type: "PluginData", id: 1 },
            display_name: { type: "string", id: 2 },
            summary_description: { type: "string", id: 3 },
            data_class: { type: "int32", id: 4 },
          },
          nested: {
            PluginData: {
              fields: {
                plugin_name: { type: "string", id: 1 },
                content: { type: "bytes", id: 2 },
              },
            },
          },
        },
        TensorProto: {
          fields: {
            dtype: { type: "int32", id: 1 },
            tensor_shape: { type: "TensorShapeProto", id: 2 },
            tensor_content: { type: "bytes", id: 4 },
            float_val: { rule: "repeated", type: "float", id: 5, options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: "repeated", type: "Dim", id: 2 },
            unknown_rank: { type: "bool", id: 3 },
          },
          nested: {
            Dim: {
              fields: {
                size: { type: "int64", id: 1 },
                name: { type: "string", id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const EventType = root.lookupType("tensorboard.Event");

export interface PluginData {
  plugin_name?: string;
  content?: Uint8Array;
}

export interface SummaryMetadata {
  plugin_data?: PluginData;
  display_name?: string;
  summary_description?: string;
  data_class?: number;
}

export interface TensorShapeProto {
  dim?: Array<{ size?: number; name?: string }>;
  unknown_rank?: boolean;
}

export interface TensorProto {
  dtype?: number;
  tensor_shape?: TensorShapeProto;
  tensor_content?: Uint8Array;
  float_val?: number[];
}

export interface SummaryValue {
  tag?: string;
  simple_value?: number;
  tensor?: TensorProto;
  metadata?: SummaryMetadata;
}

export interface TensorBoardEvent {
  wall_time?: number;
  step?: number;
  file_version?: string;
  summary?: { value?: SummaryValue[] };
}

/** Serializes one Event message. */
export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const problem = EventType.verify(event);
  if (problem !== null) throw new TypeError(`invalid TensorBoard event: ${problem}`);
  return EventType.encode(EventType.fromObject(event)).finish();
}

/** Parses one Event message (int64 steps as numbers, bytes as Uint8Array). */
export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const message = EventType.decode(bytes);
  return EventType.toObject(message, { longs: Number }) as TensorBoardEvent;
}
