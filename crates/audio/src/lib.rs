//! Sans-IO, frame-clocked audio engine: 16 kHz mono s16 in 20 ms frames (being built).
