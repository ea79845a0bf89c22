//! Any MessagePack value, for the property tests of the sections that speak MessagePack
//! (demo5, demo6, zerorpc): one generator, not three copies.

use proptest::collection::vec;
use proptest::prelude::*;
use rmpv::Value;

/// Any MessagePack value, nested a few levels: nil, bools, integers of both signs and every
/// width, floats from `floats`, strings, bins, extension types, arrays and maps.
pub fn any_value_with(
    floats: impl Strategy<Value = f64> + 'static,
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        floats.prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        vec(any::<u8>(), 0..12).prop_map(Value::from),
        (any::<i8>(), vec(any::<u8>(), 0..10)).prop_map(|(t, d)| Value::Ext(t, d)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((inner.clone(), inner), 0..4).prop_map(Value::Map),
        ]
    })
}

/// [`any_value_with`] any float, `nan` and infinities included.
pub fn any_value() -> impl Strategy<Value = Value> {
    any_value_with(any::<f64>())
}
