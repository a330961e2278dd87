"""Work orders (工单): matters dispatched to a judge or division, pressed until answered."""
