//! Ownership and time: only an object's producer adds versions or deletes it; client times
//! are bounded and the hub's receipt time is what deadlines and ordering use.
