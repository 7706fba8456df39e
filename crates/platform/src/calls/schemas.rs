//! The JSON shapes of the simulated-phone API, documented by hand for the OpenAPI document: what the
//! runtime renders (media, calls, legs, logs, the media clock's figures) and the timeline bodies it
//! parses (behaviours, dials, meeting joins, leg controls).

use serde_json::json;

use crate::api_doc::json_schema;

/// The shapes' part of the OpenAPI document (the components that others reference).
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    MediaSchema,
    BehaviourSchema,
    BehaviourResultSchema,
    DialSchema,
    MeetingJoinSchema,
    PressBodySchema,
    PlayBodySchema,
    LegSchema,
    CallSchema,
    PlacedCallSchema,
    LegLogSchema,
    MediaStatsSchema
)))]
pub(super) struct Api;

json_schema!(
    /// The `Media` component.
    MediaSchema as "Media" = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string"
            },
            "uri": {
                "type": "string"
            },
            "durationMs": {
                "type": "integer"
            },
            "sampleRate": {
                "type": "integer"
            },
            "channels": {
                "type": "integer"
            },
            "bytes": {
                "type": "integer"
            }
        }
    }
);

json_schema!(
    /// What a simulated endpoint does when called (and its timeline once connected).
    BehaviourSchema as "Behaviour" => with_timeline(json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Times (at) count from the moment the call connected. Unknown fields are refused.",
        "properties": {
            "answer": {
                "type": "string",
                "enum": [
                    "auto",
                    "reject",
                    "busy",
                    "noAnswer"
                ],
                "default": "auto"
            },
            "answerAfter": {
                "description": "With answer auto: how long it rings first (default: users 1s, external numbers 2s).",
                "oneOf": [
                    {
                        "type": "string"
                    },
                    {
                        "type": "integer",
                        "minimum": 0
                    }
                ]
            }
        }
    }))
);

json_schema!(
    /// The `BehaviourResult` component.
    BehaviourResultSchema as "BehaviourResult" = {
        "type": "object",
        "properties": {
            "endpoint": {
                "type": "object"
            },
            "behaviour": {
                "$ref": "#/components/schemas/Behaviour"
            },
            "default": {
                "type": "boolean"
            },
            "warnings": {
                "type": "array",
                "items": {
                    "type": "string"
                }
            }
        }
    }
);

json_schema!(
    /// `POST /phones/{endpoint}/calls`: the callee and the caller's timeline.
    DialSchema as "Dial" => with_timeline(json!({
        "type": "object",
        "required": [
            "to"
        ],
        "additionalProperties": false,
        "properties": {
            "to": {
                "type": "string",
                "description": "An E.164 number, a user id or UPN, an app id or a resource account id."
            },
            "customContext": {
                "type": "object",
                "additionalProperties": false,
                "description": "SIP and VoIP headers the call carries; a call to a resource account bound to an ACS resource shows them in IncomingCall's customContext.",
                "properties": {
                    "sipHeaders": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "string",
                            "maxLength": 1024
                        },
                        "maxProperties": 10,
                        "description": "X-MS-Custom-…, X-… or userToUser headers (name: value)."
                    },
                    "voipHeaders": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "string",
                            "maxLength": 1024
                        },
                        "maxProperties": 10,
                        "description": "VoIP headers (name: value)."
                    }
                }
            }
        }
    }))
);

json_schema!(
    /// `POST /meetings/{meetingId}/join`: the participant and its timeline.
    MeetingJoinSchema as "MeetingJoin" => with_timeline(json!({
        "type": "object",
        "required": [
            "participant"
        ],
        "additionalProperties": false,
        "properties": {
            "participant": {
                "type": "string",
                "description": "Who joins: a directory user (object id or UPN) or an E.164 number."
            }
        }
    }))
);

json_schema!(
    /// The `PressBody` component.
    PressBodySchema as "PressBody" = {
        "type": "object",
        "required": [
            "digits"
        ],
        "properties": {
            "digits": {
                "type": "string"
            },
            "inBand": {
                "type": "boolean",
                "default": true
            }
        }
    }
);

json_schema!(
    /// The `PlayBody` component.
    PlayBodySchema as "PlayBody" = {
        "type": "object",
        "required": [
            "media"
        ],
        "properties": {
            "media": {
                "type": "string"
            }
        }
    }
);

json_schema!(
    /// The `Leg` component.
    LegSchema as "Leg" = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string"
            },
            "kind": {
                "type": "string",
                "enum": [
                    "bot",
                    "simulatedUser",
                    "externalPhone"
                ]
            },
            "party": {
                "type": "object"
            },
            "direction": {
                "type": "string",
                "enum": [
                    "incoming",
                    "outgoing"
                ]
            },
            "state": {
                "type": "string",
                "description": "Graph callState."
            },
            "endReason": {
                "type": [
                    "string",
                    "null"
                ]
            },
            "resultInfo": {
                "type": [
                    "object",
                    "null"
                ]
            },
            "createdAt": {
                "type": "string",
                "format": "date-time"
            },
            "hasRecording": {
                "type": "boolean"
            },
            "simulatedRole": {
                "type": [
                    "string",
                    "null"
                ],
                "enum": [
                    "caller",
                    "callee",
                    null
                ]
            },
            "builtInResponder": {
                "type": "boolean"
            },
            "external": {
                "description": "For a leg outside Ringside (a SIP phone or trunk): its SIP Call-ID, remote address, transport, codec and whether SRTP protects it; null otherwise.",
                "type": ["object", "null"],
                "properties": {
                    "sipCallId": {"type": "string"},
                    "remoteAddress": {"type": "string"},
                    "transport": {"type": "string", "enum": ["udp", "tcp", "tls"]},
                    "codec": {"type": "string"},
                    "srtp": {"type": "string", "enum": ["true", "false"]}
                }
            }
        }
    }
);

json_schema!(
    /// The `Call` component.
    CallSchema as "Call" = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string"
            },
            "tenantId": {
                "type": "string"
            },
            "state": {
                "type": "string",
                "enum": [
                    "active",
                    "ended"
                ]
            },
            "createdAt": {
                "type": "string",
                "format": "date-time"
            },
            "endedAt": {
                "type": [
                    "string",
                    "null"
                ],
                "format": "date-time"
            },
            "legs": {
                "type": "array",
                "items": {
                    "$ref": "#/components/schemas/Leg"
                }
            }
        }
    }
);

json_schema!(
    /// The `PlacedCall` component.
    PlacedCallSchema as "PlacedCall" = {
        "allOf": [
            {
                "$ref": "#/components/schemas/Call"
            },
            {
                "type": "object",
                "properties": {
                    "callId": {
                        "type": "string"
                    },
                    "legId": {
                        "type": "string",
                        "description": "The caller's leg."
                    },
                    "targetLegId": {
                        "type": "string",
                        "description": "The dialled party's leg."
                    }
                }
            }
        ]
    }
);

json_schema!(
    /// The `LegLog` component.
    LegLogSchema as "LegLog" = {
        "type": "object",
        "properties": {
            "legId": {
                "type": "string"
            },
            "callId": {
                "type": "string"
            },
            "state": {
                "type": "string"
            },
            "endReason": {
                "type": [
                    "string",
                    "null"
                ]
            },
            "createdAt": {
                "type": "string"
            },
            "droppedEntries": {
                "type": "integer"
            },
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "type",
                        "atMs"
                    ],
                    "properties": {
                        "atMs": {
                            "type": "integer",
                            "description": "Milliseconds since the leg was created."
                        },
                        "type": {
                            "type": "string",
                            "enum": [
                                "stateChanged",
                                "ringing",
                                "dialing",
                                "answered",
                                "refused",
                                "pressed",
                                "playing",
                                "testTone",
                                "silence",
                                "playFinished",
                                "held",
                                "resumed",
                                "hangingUp",
                                "toneDetected",
                                "toneReceived",
                                "audioStarted",
                                "audioStopped",
                                "recordingSaved",
                                "responder",
                                "note"
                            ]
                        }
                    }
                }
            }
        }
    }
);

json_schema!(
    /// The `MediaStats` component.
    MediaStatsSchema as "MediaStats" = {
        "type": "object",
        "properties": {
            "ticks": {
                "type": "integer",
                "minimum": 0
            },
            "skippedFrames": {
                "type": "integer",
                "minimum": 0
            },
            "latenessP50Us": {
                "type": "integer",
                "minimum": 0
            },
            "latenessP99Us": {
                "type": "integer",
                "minimum": 0
            },
            "latenessMaxUs": {
                "type": "integer",
                "minimum": 0
            },
            "workP99Us": {
                "type": "integer",
                "minimum": 0
            },
            "conversations": {
                "type": "integer",
                "minimum": 0
            },
            "shards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "ticks": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "skippedFrames": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "commands": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "latenessP50Us": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "latenessP99Us": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "latenessMaxUs": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "workP50Us": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "workP99Us": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "workMaxUs": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "conversations": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "legs": {
                            "type": "integer",
                            "minimum": 0
                        },
                        "realtime": {
                            "type": "boolean",
                            "description": "Whether the shard thread runs at SCHED_FIFO priority."
                        },
                        "cpuTimeUs": {
                            "type": [
                                "integer",
                                "null"
                            ],
                            "description": "CPU time of the shard thread since it started."
                        }
                    }
                }
            }
        }
    }
);

json_schema!(
    /// The optional body of a hold.
    HoldBodySchema as "HoldBody" = {
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "for": {
                "type": "string",
                "description": "How long to hold (3s, 1500ms, 1m); absent = until resumed or the call ends.",
                "example": "5s"
            }
        }
    }
);

/// `schema` with the timeline's properties (play, say, press, tone, silence, hold, hangupAfter, record)
/// that behaviours, dials and meeting joins share.
fn with_timeline(mut schema: serde_json::Value) -> serde_json::Value {
    let timeline = [
        ("play", play_step()),
        ("say", say_step()),
        ("press", press_step()),
        ("tone", tone_step()),
        ("silence", silence_step()),
        ("hold", hold_step()),
        ("hangupAfter", hangup_after_step()),
        ("record", record_step()),
    ];
    if let Some(properties) = schema["properties"].as_object_mut() {
        for (name, property) in timeline {
            properties.insert(name.to_string(), property);
        }
    }
    schema
}

/// The timeline's `play`.
fn play_step() -> serde_json::Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": [
                "media"
            ],
            "additionalProperties": false,
            "properties": {
                "media": {
                    "type": "string",
                    "description": "An uploaded media id."
                },
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                }
            }
        }
    })
}

/// The timeline's `say`.
fn say_step() -> serde_json::Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": [
                "text"
            ],
            "additionalProperties": false,
            "properties": {
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 1000,
                    "description": "What the endpoint says, synthesised by the offline speech engine (espeak-ng) when the timeline is set; 400 when the engine is not installed.",
                    "example": "billing"
                },
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                }
            }
        }
    })
}

/// The timeline's `press`.
fn press_step() -> serde_json::Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": [
                "digits"
            ],
            "additionalProperties": false,
            "properties": {
                "digits": {
                    "type": "string",
                    "description": "1-64 keys of 0-9 * # A-D."
                },
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                },
                "inBand": {
                    "type": "boolean",
                    "default": true,
                    "description": "In-band DTMF audio (default) or out-of-band events."
                }
            }
        }
    })
}

/// The timeline's `tone`.
fn tone_step() -> serde_json::Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                },
                "duration": {
                    "description": "How long the 1004 Hz test tone plays (default 1s).",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                }
            }
        }
    })
}

/// The timeline's `silence`.
fn silence_step() -> serde_json::Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                },
                "duration": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                }
            }
        }
    })
}

/// The timeline's `hold`.
fn hold_step() -> serde_json::Value {
    json!({
        "type": "array",
        "description": "Put the call on hold at `at` (the endpoint hears nothing; the other side of a two-party call hears hold music), for `for` or until the call ends.",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "at": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                },
                "for": {
                    "description": "A duration: \"1500ms\", \"3s\", \"1.5s\", \"1m\", \"1h\" (at most 4 h), or a number of milliseconds.",
                    "oneOf": [
                        {
                            "type": "string"
                        },
                        {
                            "type": "integer",
                            "minimum": 0
                        }
                    ]
                }
            }
        }
    })
}

/// The timeline's `hangupAfter`.
fn hangup_after_step() -> serde_json::Value {
    json!({
        "description": "Hang up this long after the call connected.",
        "oneOf": [
            {
                "type": "string"
            },
            {
                "type": "integer",
                "minimum": 0
            }
        ]
    })
}

/// The timeline's `record`.
fn record_step() -> serde_json::Value {
    json!({
        "type": "boolean",
        "default": false,
        "description": "Record what the endpoint hears (GET .../recording)."
    })
}
